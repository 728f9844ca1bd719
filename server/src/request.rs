//! The parts of a scenario request that scenarios and stats look at: method, headers and body
//! (fetch transports send POSTs with bodies and custom headers; EventSource never does).

use axum::body::{to_bytes, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// Larger bodies are refused with 413: tests send a few bytes, and memory stays bounded.
const MAX_BODY: usize = 1 << 20;

/// A buffered request (an extractor, so it comes last among a handler's arguments).
pub struct Incoming {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Incoming {
    /// A header's raw bytes, if present (not necessarily UTF-8 or even Latin-1 text).
    pub fn raw_header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name).map(|value| value.as_bytes())
    }

    /// A header as lossy UTF-8, "" when absent.
    pub fn header(&self, name: &str) -> String {
        String::from_utf8_lossy(self.raw_header(name).unwrap_or_default()).into_owned()
    }

    /// The body as lossy UTF-8.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl<S: Send + Sync> FromRequest<S> for Incoming {
    type Rejection = Response;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, MAX_BODY).await.map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body over 1 MiB or unreadable\n",
            )
                .into_response()
        })?;
        Ok(Self {
            method: parts.method,
            headers: parts.headers,
            body,
        })
    }
}
