//! The benchmark endpoints (`cargo xtask bench`, `bench/page/`). Every message is the JSON
//! `{"i":n,"t":<server µs>,"status":0|1,"pad":"xxx…"}`, padded to the requested size, where `t`
//! is the server's clock (UNIX time in microseconds) when the frame is handed to the socket, the
//! same clock a page reads as `(performance.timeOrigin + performance.now()) * 1000`. The last
//! message of a stream has status 1. No `id:` field: nothing here is resumed.
//!
//! - `GET /bench/stream?count=N&bytes=B`: N messages as fast as the server can write them,
//!   several frames per chunk (up to [`CHUNK_BYTES`]), then the end of the body.
//! - `GET /bench/trickle?count=N&interval=MS&bytes=B`: N messages, MS ms apart, each stamped
//!   at the moment it is written. Recorded in `/stats/{run}` (requests, and disconnects of
//!   clients that leave before the end), so the cross-tab relay benchmark can count the
//!   connections a set of tabs holds.
//! - `GET /bench/huge?bytes=B&chunk=C`: ONE message of B bytes (status 1), its frame handed to
//!   hyper in pieces of C bytes (default 1 KB), each its own body chunk, then the end of the body
//!   (the browser may still read several pieces at once: the network coalesces them).
//! - `GET /bench/hold`: one message (status 0), then a comment every 100 ms until the client
//!   goes away (for connect/disconnect cycles), at most [`HOLD_LIMIT`].
//! - `POST /bench/chat?tokens=N`: an OpenAI-format chat completion stream as fast as the server
//!   writes it, one body chunk per token: N chunks `data: {"id":…,"object":
//!   "chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"w<k> "},…}]}` (k from
//!   0), then `data: [DONE]`. The request must carry `Authorization: Bearer bench-token` (else
//!   401) and a JSON body with `"stream": true` (else 400), so a contender that does not really
//!   POST fails. These messages are not the `{"i","t",…}` JSON above.
//!
//! Every endpoint takes a `run` parameter, a label only (it keeps URLs distinct in the logs).
//! The bodies are plain streams polled by hyper, with no task or channel in between, so the
//! server is never what the benchmark measures.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_core::Stream;
use tokio::time::{sleep_until, Instant, Sleep};

use crate::ctx::{self, Ctx};
use crate::request::Incoming;
use crate::stats::DisconnectGuard;
use crate::AppState;

/// A chunk of the fast stream holds frames up to about this many bytes.
const CHUNK_BYTES: usize = 64 * 1024;
/// Upper bounds on the parameters, so no request can ask for an endless body.
const MAX_COUNT: u64 = 1_000_000;
const MAX_BYTES: u64 = 1 << 20;
/// The largest single message of `/bench/huge`.
const MAX_HUGE_BYTES: u64 = 32 << 20;
const MAX_INTERVAL_MS: u64 = 10_000;
/// How long `/bench/hold` keeps a connection open at most.
const HOLD_LIMIT: Duration = Duration::from_secs(60);
const HOLD_TICK: Duration = Duration::from_millis(100);

/// The benchmark routes, merged into the server's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/bench/stream", get(stream))
        .route("/bench/trickle", get(trickle))
        .route("/bench/huge", get(huge))
        .route("/bench/hold", get(hold))
        .route("/bench/chat", post(chat))
}

type Params = Query<HashMap<String, String>>;

fn num(params: &HashMap<String, String>, key: &str, default: u64, max: u64) -> u64 {
    params
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
        .min(max)
}

async fn stream(Query(params): Params) -> Response {
    let count = num(&params, "count", 1000, MAX_COUNT);
    let bytes = num(&params, "bytes", 100, MAX_BYTES) as usize;
    respond(Fast {
        frames: Frames::new(count, bytes),
    })
}

async fn trickle(
    State(app): State<AppState>,
    Query(params): Params,
    request: Incoming,
) -> Response {
    let count = num(&params, "count", 100, MAX_COUNT);
    let bytes = num(&params, "bytes", 100, MAX_BYTES) as usize;
    let interval = Duration::from_millis(num(&params, "interval", 5, MAX_INTERVAL_MS));
    let guard = Ctx::new(app, "bench-trickle", ctx::Params(params), request).guard();
    let start = Instant::now();
    respond(Paced {
        frames: Frames::new(count, bytes),
        start,
        interval,
        sleep: Box::pin(sleep_until(start)),
        guard,
    })
}

/// The token `Authorization` header `/bench/chat` wants.
const CHAT_AUTHORIZATION: &str = "Bearer bench-token";

async fn chat(Query(params): Params, headers: HeaderMap, body: Bytes) -> Response {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes() == CHAT_AUTHORIZATION.as_bytes());
    if !authorized {
        let body = r#"{"error":{"message":"expected Authorization: Bearer bench-token"}}"#;
        return (StatusCode::UNAUTHORIZED, body).into_response();
    }
    let streaming = serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|request| request["stream"] == serde_json::Value::Bool(true));
    if !streaming {
        let body = r#"{"error":{"message":"expected a JSON body with \"stream\": true"}}"#;
        return (StatusCode::BAD_REQUEST, body).into_response();
    }
    let tokens = num(&params, "tokens", 2000, MAX_COUNT);
    respond(Chat::new(tokens, now_micros() / 1_000_000))
}

async fn huge(Query(params): Params) -> Response {
    let bytes = num(&params, "bytes", 1 << 20, MAX_HUGE_BYTES) as usize;
    let chunk = num(&params, "chunk", 1024, CHUNK_BYTES as u64).max(1) as usize;
    let mut frame = Vec::with_capacity(bytes + 128);
    let mut buffer = [0u8; 20];
    Frames::new(1, bytes).push(&mut frame, stamp(&mut buffer));
    respond(Pieces {
        frame: frame.into(),
        chunk,
    })
}

async fn hold(Query(params): Params) -> Response {
    let bytes = num(&params, "bytes", 100, MAX_BYTES) as usize;
    let start = Instant::now();
    respond(Hold {
        first: Some(Frames::new(u64::MAX, bytes)),
        start,
        ticks: 0,
        sleep: Box::pin(sleep_until(start + HOLD_TICK)),
    })
}

fn respond<S>(body: S) -> Response
where
    S: Stream<Item = io::Result<Bytes>> + Send + 'static,
{
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The server's clock, UNIX time in microseconds.
fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Writes the frames of messages `0..count`, each `bytes` long as JSON (or as short as the
/// fields allow).
struct Frames {
    next: u64,
    count: u64,
    bytes: usize,
    /// Enough `x` for the largest pad.
    pad: Vec<u8>,
}

impl Frames {
    fn new(count: u64, bytes: usize) -> Self {
        Frames {
            next: 0,
            count,
            bytes,
            pad: vec![b'x'; bytes],
        }
    }

    fn done(&self) -> bool {
        self.next >= self.count
    }

    /// Appends the next message's frame, stamped `t`.
    fn push(&mut self, out: &mut Vec<u8>, t: &[u8]) {
        let index = self.next;
        self.next += 1;
        let status: &[u8] = if self.next == self.count { b"1" } else { b"0" };
        let mut digits = [0u8; 20];
        let index = decimal(index, &mut digits);
        let fixed = br#"{"i":,"t":,"status":,"pad":""}"#.len();
        let pad = self
            .bytes
            .saturating_sub(fixed + index.len() + t.len() + status.len());
        for part in [
            b"data: {\"i\":" as &[u8],
            index,
            b",\"t\":",
            t,
            b",\"status\":",
            status,
            b",\"pad\":\"",
            &self.pad[..pad],
            b"\"}\n\n",
        ] {
            out.extend_from_slice(part);
        }
    }
}

/// `value` in decimal, written at the end of `buffer`.
fn decimal(mut value: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return &buffer[start..];
        }
    }
}

fn stamp(buffer: &mut [u8; 20]) -> &[u8] {
    decimal(now_micros(), buffer)
}

/// `/bench/stream`: as many frames per chunk as fit, as fast as hyper takes them.
struct Fast {
    frames: Frames,
}

impl Stream for Fast {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.frames.done() {
            return Poll::Ready(None);
        }
        let mut out = Vec::with_capacity(CHUNK_BYTES + self.frames.bytes + 128);
        let mut buffer = [0u8; 20];
        let t = stamp(&mut buffer);
        while !self.frames.done() && out.len() < CHUNK_BYTES {
            self.frames.push(&mut out, t);
        }
        Poll::Ready(Some(Ok(out.into())))
    }
}

/// `/bench/huge`: one frame, `chunk` bytes at a time.
struct Pieces {
    frame: Bytes,
    chunk: usize,
}

impl Stream for Pieces {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.frame.is_empty() {
            return Poll::Ready(None);
        }
        let take = self.chunk.min(self.frame.len());
        Poll::Ready(Some(Ok(self.frame.split_to(take))))
    }
}

/// `/bench/trickle`: frame `k` at `start + k × interval`, stamped when written.
struct Paced {
    frames: Frames,
    start: Instant,
    interval: Duration,
    sleep: Pin<Box<Sleep>>,
    /// Counts the client leaving before the end.
    guard: DisconnectGuard,
}

impl Stream for Paced {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.frames.done() {
            self.guard.finish();
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let mut out = Vec::with_capacity(self.frames.bytes + 128);
        let mut buffer = [0u8; 20];
        self.frames.push(&mut out, stamp(&mut buffer));
        let next = self.start + self.interval * self.frames.next as u32;
        self.sleep.as_mut().reset(next);
        Poll::Ready(Some(Ok(out.into())))
    }
}

/// `/bench/chat`: one chunk per token, then `[DONE]`, then the end of the body.
struct Chat {
    next: u64,
    tokens: u64,
    /// The frame up to the token's text.
    head: String,
}

/// The frame after the token's text.
const CHAT_TAIL: &str = "\"},\"finish_reason\":null}]}\n\n";

impl Chat {
    fn new(tokens: u64, created: u64) -> Self {
        let head = format!(
            "data: {{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\
             \"created\":{created},\"model\":\"bench\",\"choices\":[{{\"index\":0,\
             \"delta\":{{\"content\":\""
        );
        Chat {
            next: 0,
            tokens,
            head,
        }
    }
}

impl Stream for Chat {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let index = self.next;
        if index > self.tokens {
            return Poll::Ready(None);
        }
        self.next += 1;
        if index == self.tokens {
            return Poll::Ready(Some(Ok(Bytes::from_static(b"data: [DONE]\n\n"))));
        }
        let mut digits = [0u8; 20];
        let mut out = Vec::with_capacity(self.head.len() + 32 + CHAT_TAIL.len());
        out.extend_from_slice(self.head.as_bytes());
        out.push(b'w');
        out.extend_from_slice(decimal(index, &mut digits));
        out.push(b' ');
        out.extend_from_slice(CHAT_TAIL.as_bytes());
        Poll::Ready(Some(Ok(out.into())))
    }
}

/// `/bench/hold`: one message, then a heartbeat until the client leaves (a write then fails and
/// hyper drops the body) or the limit is reached.
struct Hold {
    first: Option<Frames>,
    start: Instant,
    ticks: u32,
    sleep: Pin<Box<Sleep>>,
}

impl Stream for Hold {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(mut frames) = self.first.take() {
            // A long retry: a client that does not close is not reconnecting meanwhile.
            let mut out = b"retry: 60000\n\n".to_vec();
            let mut buffer = [0u8; 20];
            frames.push(&mut out, stamp(&mut buffer));
            return Poll::Ready(Some(Ok(out.into())));
        }
        if self.start.elapsed() >= HOLD_LIMIT {
            return Poll::Ready(None);
        }
        if self.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.ticks += 1;
        let next = self.start + HOLD_TICK * (self.ticks + 1);
        self.sleep.as_mut().reset(next);
        Poll::Ready(Some(Ok(Bytes::from_static(b":\n\n"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(count: u64, bytes: usize) -> Vec<String> {
        let mut frames = Frames::new(count, bytes);
        let mut out = Vec::new();
        while !frames.done() {
            frames.push(&mut out, b"1700000000000000");
        }
        let text = String::from_utf8(out).unwrap();
        text.split_terminator("\n\n").map(str::to_owned).collect()
    }

    #[test]
    fn messages_have_the_requested_size_and_the_last_has_status_1() {
        let frames = frames(12, 100);
        assert_eq!(frames.len(), 12);
        for (index, frame) in frames.iter().enumerate() {
            let json = frame.strip_prefix("data: ").unwrap();
            assert_eq!(json.len(), 100, "{json}");
            let status = if index == 11 { 1 } else { 0 };
            let start = format!("{{\"i\":{index},\"t\":1700000000000000,\"status\":{status},");
            assert!(json.starts_with(&start), "{json}");
            assert!(json.ends_with("xx\"}"), "{json}");
        }
    }

    #[test]
    fn a_tiny_size_leaves_the_pad_empty() {
        let frames = frames(1, 1);
        assert_eq!(
            frames,
            [r#"data: {"i":0,"t":1700000000000000,"status":1,"pad":""}"#]
        );
    }

    #[test]
    fn chat_sends_openai_chunks_then_done() {
        let mut chat = Chat::new(3, 1_700_000_000);
        let mut context = Context::from_waker(std::task::Waker::noop());
        let mut chunks = Vec::new();
        while let Poll::Ready(Some(chunk)) = Pin::new(&mut chat).poll_next(&mut context) {
            chunks.push(chunk.unwrap());
        }
        assert_eq!(chunks.len(), 4);
        for (index, chunk) in chunks[..3].iter().enumerate() {
            let text = std::str::from_utf8(chunk).unwrap();
            let json = text
                .strip_prefix("data: ")
                .unwrap()
                .strip_suffix("\n\n")
                .unwrap();
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(value["object"], "chat.completion.chunk");
            assert_eq!(value["created"], 1_700_000_000);
            let content = &value["choices"][0]["delta"]["content"];
            assert_eq!(content, &format!("w{index} "), "{text}");
        }
        assert_eq!(&chunks[3][..], b"data: [DONE]\n\n");
    }

    #[test]
    fn decimal_writes_every_digit() {
        let mut buffer = [0u8; 20];
        assert_eq!(decimal(0, &mut buffer), b"0");
        assert_eq!(decimal(1234567, &mut buffer), b"1234567");
        assert_eq!(decimal(u64::MAX, &mut buffer), b"18446744073709551615");
    }
}
