//! CORS for every response (browser tests run on another port, so everything is cross-origin),
//! except the `no-cors` scenario, which exists to have none.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The path that must stay without any `Access-Control-*` header.
const NO_CORS_PATH: &str = "/sse/no-cors";

/// Middleware: answers preflights and adds the CORS headers to every other response.
pub async fn cors(request: Request, next: Next) -> Response {
    if request.uri().path() == NO_CORS_PATH {
        return next.run(request).await;
    }
    let origin = request.headers().get(header::ORIGIN).cloned();
    let mut response = if request.method() == Method::OPTIONS {
        let requested = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS);
        let mut preflight = StatusCode::NO_CONTENT.into_response();
        let headers = preflight.headers_mut();
        // Echoed, not `*`: a `*` never covers Authorization, and means nothing with credentials.
        if let Some(requested) = requested {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        headers.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
        preflight
    } else {
        next.run(request).await
    };
    add_cors_headers(response.headers_mut(), origin);
    response
}

/// Echoes the Origin (needed for credentialed requests, where `*` is refused), else `*`;
/// exposes the headers a fetch client reads (hidden cross-origin otherwise).
fn add_cors_headers(headers: &mut HeaderMap, origin: Option<HeaderValue>) {
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Retry-After, X-Request-Count"),
    );
    match origin {
        Some(origin) => {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        None => {
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
        }
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}
