//! The SSE scenario handlers (`/sse/{scenario}` and `/sse/status/{code}`).
//! Each one reproduces one server behaviour the client must cope with.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::time::sleep;

use crate::sse;
use crate::stats::{DisconnectGuard, Seen};
use crate::stream::{sse_response, Gone, SseSender};
use crate::AppState;

/// Reconnection delay sent first on most streams: a client that forgets to close
/// after completion reconnects within 100 ms, which tests can see.
const RETRY_MS: u64 = 100;
/// Shorter delay for the scenarios that expect reconnects.
const FAST_RETRY_MS: u64 = 50;

/// The query string of a scenario request.
pub(crate) struct Params(pub(crate) HashMap<String, String>);

impl Params {
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A numeric parameter; missing or malformed values fall back to `default`.
    pub(crate) fn num(&self, key: &str, default: u64) -> u64 {
        self.str(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    fn run(&self) -> &str {
        self.str("run").unwrap_or("")
    }
}

/// What a scenario needs to know about its request, once it has been recorded.
pub(crate) struct Ctx {
    app: AppState,
    pub(crate) params: Params,
    /// How many earlier requests of this run hit the same scenario (0 = first).
    pub(crate) earlier: u64,
    /// The client's resume position: Last-Event-ID header, else the query parameter.
    pub(crate) resume_from: Option<u64>,
}

impl Ctx {
    /// Records the request in the run's stats.
    pub(crate) fn new(app: AppState, scenario: &str, params: Params, headers: &HeaderMap) -> Self {
        let header_str = |name| {
            headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let header_id = header_str(header::HeaderName::from_static("last-event-id"));
        let param_name = params.str("param").unwrap_or("lastEventId");
        let query_id = params.str(param_name).map(str::to_owned);
        let resume_from = [&header_id, &query_id]
            .into_iter()
            .find_map(|id| id.as_deref().and_then(|id| id.trim().parse().ok()));
        let seen = Seen {
            last_event_id: header_id.unwrap_or_default(),
            query_last_event_id: query_id.unwrap_or_default(),
            cookie: header_str(header::COOKIE).unwrap_or_default(),
        };
        let earlier = app.stats.record(params.run(), scenario, seen);
        Self {
            app,
            params,
            earlier,
            resume_from,
        }
    }

    pub(crate) fn guard(&self) -> DisconnectGuard {
        DisconnectGuard::new(self.app.stats.clone(), self.params.run())
    }
}

/// `GET /sse/{scenario}`.
pub async fn scenario(
    State(app): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let ctx = Ctx::new(app, &name, Params(query), &headers);
    match name.as_str() {
        // no-cors differs only by its headers (see cors.rs); echo exists for cookie checks.
        "basic" | "no-cors" | "echo" => basic(&ctx),
        "named" => named(&ctx),
        "sentinel" => sentinel(&ctx),
        "invalid-json" => invalid_json(&ctx),
        "resume" => resume(&ctx),
        "wrong-type" => wrong_type(),
        "keepalive" => keepalive(&ctx),
        "trickle" => trickle(&ctx),
        "large" => large(&ctx),
        "endless" => endless(&ctx),
        "flaky" => flaky(&ctx),
        "fail-then-ok" => fail_then_ok(&ctx),
        "chat" => crate::chat::chat(&ctx),
        _ => (StatusCode::NOT_FOUND, "unknown scenario\n").into_response(),
    }
}

/// `GET /sse/status/{code}`: that status with a short text body (none for 204/304).
pub async fn status(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    Ctx::new(app, "status", Params(query), &headers);
    let status = match code.parse::<u16>() {
        Ok(code @ 200..=599) => StatusCode::from_u16(code).expect("200..=599 is a valid status"),
        _ => return (StatusCode::BAD_REQUEST, "bad status code\n").into_response(),
    };
    if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return status.into_response();
    }
    (status, format!("status {}\n", status.as_u16())).into_response()
}

/// The frame of message `index` (id = index + 1), status 1 when `last`.
fn message_frame(index: u64, last: bool) -> String {
    let data = sse::message(index, sse::token(index), Some(u8::from(last)));
    sse::event(Some(index + 1), None, &data)
}

/// Messages `0..count`, the last one with status 1, `delay_ms` apart.
async fn send_messages(tx: &SseSender, count: u64, delay_ms: u64) -> Result<(), Gone> {
    for index in 0..count {
        if index > 0 && delay_ms > 0 {
            sleep(Duration::from_millis(delay_ms)).await;
        }
        tx.send(message_frame(index, index + 1 == count)).await?;
    }
    Ok(())
}

fn basic(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 4);
    let delay = ctx.params.num("delay", 0);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        send_messages(&tx, count, delay).await
    })
}

fn named(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 3);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0..count {
            let data = sse::message(index, sse::token(index), Some(0));
            tx.send(sse::event(Some(index + 1), Some("token"), &data))
                .await?;
        }
        let done = sse::event(Some(count + 1), Some("done"), r#"{"reason":"stop"}"#);
        tx.send(done).await
    })
}

fn sentinel(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 3);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0..count {
            let data = sse::message(index, sse::token(index), None);
            tx.send(sse::event(Some(index + 1), None, &data)).await?;
        }
        tx.send(sse::event(None, None, "[DONE]")).await
    })
}

/// With `endless=1`, status-0 messages keep coming every 50 ms after the bad one, so a test
/// can see whether the client closed the connection.
fn invalid_json(ctx: &Ctx) -> Response {
    let endless = ctx.params.num("endless", 0) == 1;
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        let first = sse::message(0, sse::token(0), Some(0));
        tx.send(sse::event(Some(1), None, &first)).await?;
        tx.send(sse::event(Some(2), None, "not json{")).await?;
        if endless {
            for index in 1.. {
                let message = sse::message(index, sse::token(index), Some(0));
                tx.send(sse::event(Some(index + 2), None, &message)).await?;
                sleep(Duration::from_millis(50)).await;
            }
        }
        let last = sse::message(1, sse::token(1), Some(1));
        tx.send(sse::event(Some(3), None, &last)).await
    })
}

/// The first request of a run drops after `drop_after` messages; the next `fails`
/// requests get 500; later ones resume from the client's last event id.
fn resume(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 6);
    let drop_after = ctx.params.num("drop_after", 3);
    let fails = ctx.params.num("fails", 0);
    let end_cleanly = ctx.params.str("mode") == Some("end");
    let first = ctx.earlier == 0;
    if !first && ctx.earlier <= fails {
        return (StatusCode::INTERNAL_SERVER_ERROR, "injected failure\n").into_response();
    }
    // Ids are index + 1, so the last seen id is also the next index.
    let start = ctx.resume_from.unwrap_or(0);
    let end = if first { drop_after.min(count) } else { count };
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(FAST_RETRY_MS)).await?;
        for index in start..end {
            tx.send(message_frame(index, index + 1 == count)).await?;
        }
        if first && !end_cleanly {
            // Let the frames leave before the cut; under load an immediate cut can lose them.
            sleep(Duration::from_millis(50)).await;
            tx.abort().await;
        }
        Ok(())
    })
}

fn wrong_type() -> Response {
    let body = "data: {\"index\":0,\"text\":\"x\",\"status\":1}\n\n";
    ([(header::CONTENT_TYPE, "text/plain")], body).into_response()
}

fn keepalive(ctx: &Ctx) -> Response {
    sse_response(ctx.guard(), |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0..3 {
            if index > 0 {
                sleep(Duration::from_millis(20)).await;
            }
            tx.send(sse::comment("keep-alive")).await?;
            tx.send(sse::comment("keep-alive")).await?;
            tx.send(message_frame(index, index == 2)).await?;
        }
        Ok(())
    })
}

fn trickle(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 5);
    let interval = ctx.params.num("interval", 100);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        send_messages(&tx, count, interval).await
    })
}

fn large(ctx: &Ctx) -> Response {
    let bytes = ctx.params.num("bytes", 1 << 20);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        let text = "x".repeat(bytes as usize);
        tx.send(sse::event(Some(1), None, &sse::message(0, &text, Some(1))))
            .await
    })
}

/// Runs until the client goes away (the guard then counts the disconnect).
fn endless(ctx: &Ctx) -> Response {
    let interval = ctx.params.num("interval", 50);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0.. {
            if index > 0 {
                sleep(Duration::from_millis(interval)).await;
            }
            tx.send(message_frame(index, false)).await?;
        }
        Ok(())
    })
}

/// One message and a clean end; every later request opens and ends at once with no event.
/// Each retry "opens" but makes no progress, which Chromium and Firefox alike retry (50 ms
/// apart) for ever: the client's retry budget must end it.
fn flaky(ctx: &Ctx) -> Response {
    let first = ctx.earlier == 0;
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(FAST_RETRY_MS)).await?;
        if first {
            tx.send(message_frame(0, false)).await?;
        }
        Ok(())
    })
}

fn fail_then_ok(ctx: &Ctx) -> Response {
    if ctx.earlier < ctx.params.num("fails", 2) {
        return (StatusCode::SERVICE_UNAVAILABLE, "try again\n").into_response();
    }
    basic(ctx)
}
