//! The demo's live notifications, a stream meant to be shared by several tabs, and a count of
//! its open connections so the page can show that they share one.
//!
//! - `GET /api/notifications`: `retry: 2000`, then a notification at once and one every
//!   [`EVERY`], for as long as the client stays: `{"id":n,"text":"…","at":"<RFC 3339 UTC>"}`
//!   with SSE id `n`. The first is 1, or the one after `Last-Event-ID` (the header, else the
//!   `lastEventId` query parameter), so a tab that takes over the stream loses and repeats
//!   nothing.
//! - `GET /api/notifications/connections`: `{"open":N}` (no-store), the bodies of the stream
//!   alive right now: counted when a body is created, uncounted when hyper drops it (the client
//!   left, or the server stops).
//!
//! Self-contained: the counter is this module's own router state.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_core::Stream;
use serde::Serialize;
use tokio::time::{sleep_until, Instant, Sleep};

use crate::sse;

/// The time between two notifications.
pub const EVERY: Duration = Duration::from_secs(2);

/// What the notifications say, in turn.
const TEXTS: [&str; 8] = [
    "Ada commented on “Shared streams”",
    "Build #128 passed on main",
    "Grace starred wasm-sse",
    "Deploy to staging finished",
    "Linus opened a pull request",
    "Nightly benchmarks are ready",
    "Margaret mentioned you in #releases",
    "Backup completed",
];

/// The number of notification bodies alive; shared by the two routes.
#[derive(Clone, Default)]
struct Open(Arc<AtomicU64>);

/// The notification routes, merged into the server's router (they carry their own state).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/api/notifications", get(stream))
        .route("/api/notifications/connections", get(connections))
        .with_state(Open::default())
}

/// The JSON of notification `id`.
#[derive(Serialize)]
struct Notification<'a> {
    id: u64,
    text: &'a str,
    at: String,
}

/// The text of notification `id` (from 1).
fn text(id: u64) -> &'static str {
    TEXTS[(id.wrapping_sub(1) % TEXTS.len() as u64) as usize]
}

/// The SSE frame of notification `id`, stamped `unix_secs`.
fn frame(id: u64, unix_secs: u64) -> String {
    let notification = Notification {
        id,
        text: text(id),
        at: rfc3339(unix_secs),
    };
    let data = serde_json::to_string(&notification).expect("a notification serialises");
    sse::event(Some(id), None, &data)
}

/// `unix_secs` as `YYYY-MM-DDTHH:MM:SSZ` (UTC; days to a civil date after Howard Hinnant).
fn rfc3339(unix_secs: u64) -> String {
    let (days, secs) = (unix_secs / 86_400, unix_secs % 86_400);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The id to resume after: `Last-Event-ID`, else `?lastEventId=`; 0 (start at 1) without one.
fn resume_after(headers: &HeaderMap, params: &HashMap<String, String>) -> u64 {
    let header = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok());
    header
        .or(params.get("lastEventId").map(String::as_str))
        .and_then(|id| id.trim().parse().ok())
        .unwrap_or(0)
}

/// `GET /api/notifications`.
async fn stream(
    State(open): State<Open>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let next = resume_after(&headers, &params).saturating_add(1);
    let body = Notifications {
        next,
        first: true,
        start: Instant::now(),
        sent: 0,
        sleep: Box::pin(sleep_until(Instant::now())),
        _counted: Counted::new(open),
    };
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// `GET /api/notifications/connections`.
async fn connections(State(open): State<Open>) -> Response {
    let body = format!(r#"{{"open":{}}}"#, open.0.load(Ordering::SeqCst));
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Counts one open stream for as long as it lives (it lives inside the response body).
struct Counted(Open);

impl Counted {
    fn new(open: Open) -> Self {
        open.0.fetch_add(1, Ordering::SeqCst);
        Self(open)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        (self.0).0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The endless body: notification `next` now, the following ones [`EVERY`] apart. hyper drops
/// it when a write fails (the client left), and with it the count.
struct Notifications {
    next: u64,
    /// The `retry:` field has not been written yet.
    first: bool,
    start: Instant,
    /// Notifications written so far (paces the next one from `start`, without drift).
    sent: u32,
    sleep: Pin<Box<Sleep>>,
    _counted: Counted,
}

impl Stream for Notifications {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let mut out = if self.first {
            self.first = false;
            sse::retry(EVERY.as_millis() as u64)
        } else {
            String::new()
        };
        out.push_str(&frame(self.next, unix_now()));
        self.next = self.next.saturating_add(1);
        self.sent = self.sent.saturating_add(1);
        let due = self.start + EVERY * self.sent;
        self.sleep.as_mut().reset(due);
        Poll::Ready(Some(Ok(out.into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_038_869), "2026-11-30T11:41:09Z");
    }

    #[test]
    fn frames_carry_the_id_twice() {
        let frame = frame(3, 0);
        assert_eq!(
            frame,
            "id: 3\ndata: {\"id\":3,\"text\":\"Grace starred wasm-sse\",\"at\":\"1970-01-01T00:00:00Z\"}\n\n"
        );
        assert_eq!(text(1), TEXTS[0]);
        assert_eq!(text(9), TEXTS[0]);
    }

    #[test]
    fn resumes_from_the_header_then_the_query() {
        let mut headers = HeaderMap::new();
        let mut params = HashMap::new();
        assert_eq!(resume_after(&headers, &params), 0);
        params.insert("lastEventId".to_owned(), "4".to_owned());
        assert_eq!(resume_after(&headers, &params), 4);
        headers.insert("last-event-id", "7".parse().unwrap());
        assert_eq!(resume_after(&headers, &params), 7);
    }
}
