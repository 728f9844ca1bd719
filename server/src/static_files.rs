//! Serving files: `--static DIR` serves a directory at `/`, `--mount /PREFIX=DIR` under a
//! prefix. The longest matching prefix is tried first; among equal prefixes the first given
//! wins; a file missing from one directory falls through to the next match.
//!
//! Every static response carries the security headers of [`SECURITY_HEADERS`]: a strict
//! Content-Security-Policy (scripts only from this origin, plus `'wasm-unsafe-eval'` so a page
//! may compile WebAssembly; no inline scripts or styles), `nosniff` and no referrer. A page asked
//! for with `?csp=off` comes without the policy: the npm behaviour suite's CORS case needs a
//! request to another origin, which `connect-src 'self'` stops, and WebDriver (Firefox, WebKit)
//! has no way to bypass a page's policy.

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{header, HeaderName, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The policy of every static page: everything from this origin only, WebAssembly allowed,
/// nothing inline, no framing, no `<base>`, no form posts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Headers added to every static response (files and their 404s).
pub const SECURITY_HEADERS: [(HeaderName, &str); 3] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
];

/// A directory served under a URL prefix.
#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    /// `""` for the root, else `/a` or `/a/b` (no trailing slash).
    prefix: String,
    dir: PathBuf,
}

impl Mount {
    /// `--static DIR`.
    pub fn root(dir: PathBuf) -> Self {
        Mount {
            prefix: String::new(),
            dir,
        }
    }

    /// `--mount /PREFIX=DIR`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (prefix, dir) = spec
            .split_once('=')
            .ok_or_else(|| format!("--mount wants /PREFIX=DIR, got {spec:?}"))?;
        if !prefix.starts_with('/') || dir.is_empty() {
            return Err(format!("--mount wants /PREFIX=DIR, got {spec:?}"));
        }
        let segments = relative_path(prefix)
            .ok_or_else(|| format!("--mount: bad prefix {prefix:?}"))?
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect::<Vec<_>>();
        let prefix = segments.iter().map(|s| format!("/{s}")).collect();
        Ok(Mount {
            prefix,
            dir: dir.into(),
        })
    }

    /// The rest of `url_path` below this mount, or `None` if the mount does not cover it.
    fn strip<'a>(&self, url_path: &'a str) -> Option<&'a str> {
        let rest = url_path.strip_prefix(&self.prefix)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }
}

/// Orders mounts for lookup: longest prefix first, keeping the given order otherwise.
pub fn sort_mounts(mounts: &mut [Mount]) {
    mounts.sort_by_key(|mount| std::cmp::Reverse(mount.prefix.len()));
}

/// Fallback handler: any path no other route matched.
pub async fn serve(State(app): State<AppState>, uri: Uri) -> Response {
    let mut response = find(&app.mounts, uri.path()).await;
    let csp_off = uri
        .query()
        .is_some_and(|query| query.split('&').any(|pair| pair == "csp=off"));
    for (name, value) in SECURITY_HEADERS {
        if csp_off && name == header::CONTENT_SECURITY_POLICY {
            continue;
        }
        response
            .headers_mut()
            .insert(name, header::HeaderValue::from_static(value));
    }
    response
}

async fn find(mounts: &[Mount], url_path: &str) -> Response {
    for mount in mounts {
        let Some(rest) = mount.strip(url_path) else {
            continue;
        };
        let Some(relative) = relative_path(rest) else {
            break;
        };
        let mut file = mount.dir.join(&relative);
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
        "ico" => "image/x-icon",
        "json" => "application/json",
        "ts" | "txt" | "md" => "text/plain; charset=utf-8",
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

    #[test]
    fn parses_mounts() {
        let mount = Mount::parse("/pkg/=out/pkg").unwrap();
        assert_eq!(mount.prefix, "/pkg");
        assert_eq!(mount.dir, PathBuf::from("out/pkg"));
        assert_eq!(Mount::parse("/a//b=d").unwrap().prefix, "/a/b");
        assert_eq!(Mount::parse("/=d").unwrap(), Mount::root("d".into()));
        assert!(Mount::parse("pkg=d").is_err());
        assert!(Mount::parse("/pkg").is_err());
        assert!(Mount::parse("/pkg=").is_err());
        assert!(Mount::parse("/../x=d").is_err());
    }

    #[test]
    fn a_mount_covers_its_prefix_only() {
        let mount = Mount::parse("/pkg=d").unwrap();
        assert_eq!(mount.strip("/pkg/a.js"), Some("/a.js"));
        assert_eq!(mount.strip("/pkg"), Some(""));
        assert_eq!(mount.strip("/pkgs/a.js"), None);
        assert_eq!(
            Mount::root("d".into()).strip("/pkg/a.js"),
            Some("/pkg/a.js")
        );
    }

    #[test]
    fn longest_prefix_first() {
        let mut mounts = vec![
            Mount::root("www".into()),
            Mount::parse("/a=1").unwrap(),
            Mount::parse("/a/b=2").unwrap(),
            Mount::root("more".into()),
        ];
        sort_mounts(&mut mounts);
        let dirs: Vec<_> = mounts.iter().map(|m| m.dir.to_str().unwrap()).collect();
        assert_eq!(dirs, ["2", "1", "www", "more"]);
    }
}
