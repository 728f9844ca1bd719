//! Serving files from the `--static` directories (the first one holding a path wins).

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Fallback handler: any path no other route matched.
pub async fn serve(State(app): State<AppState>, uri: Uri) -> Response {
    let Some(relative) = relative_path(uri.path()) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    for dir in app.static_dirs.iter() {
        let mut file = dir.join(&relative);
        if file.is_dir() {
            file.push("index.html");
        }
        if let Ok(bytes) = tokio::fs::read(&file).await {
            let headers = [
                (header::CONTENT_TYPE, content_type(&file)),
                // A demo server: always revalidate, so a rebuilt .wasm is picked up.
                (header::CACHE_CONTROL, "no-cache"),
            ];
            return (headers, bytes).into_response();
        }
    }
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The URL path as a relative file path; `None` if it tries to leave the directory.
fn relative_path(url_path: &str) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for segment in url_path.split('/').filter(|s| !s.is_empty()) {
        if segment == "." || segment == ".." || segment.contains('\\') || segment.contains(':') {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

fn content_type(file: &Path) -> &'static str {
    let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_paths_that_escape() {
        assert_eq!(relative_path("/a/b.js"), Some(PathBuf::from("a/b.js")));
        assert_eq!(relative_path("/"), Some(PathBuf::new()));
        assert_eq!(relative_path("/../secret"), None);
    }
}
