//! The SSE scenario handlers (`/sse/{scenario}` and `/sse/status/{code}`).
//! Each one reproduces one server behaviour the client must cope with.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::time::{sleep, sleep_until, Instant};

use crate::ctx::{Ctx, Params};
use crate::request::Incoming;
use crate::sse;
use crate::stream::{sse_response, Gone, SseSender};
use crate::AppState;

/// Reconnection delay sent first on most streams: a client that forgets to close
/// after completion reconnects within 100 ms, which tests can see.
const RETRY_MS: u64 = 100;
/// Shorter delay for the scenarios that expect reconnects.
const FAST_RETRY_MS: u64 = 50;
/// Upper bounds on parameters, so no request can hold the server for long or ask for too much.
const MAX_SILENCE_MS: u64 = 60_000;
const MAX_NUMBERED: u64 = 1_000_000;
const MAX_PACE_MS: u64 = 10_000;

/// `/sse/{scenario}`, for every method a fetch transport may use.
pub async fn scenario(
    State(app): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    let ctx = Ctx::new(app, &name, Params(query), request);
    let response = match name.as_str() {
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
        "mirror" => mirror(&ctx),
        "auth" => auth(&ctx),
        "ids" => ids(&ctx),
        "retry-field" => retry_field(&ctx),
        "raw" => crate::raw::raw(&ctx),
        "silence" => silence(&ctx),
        "unterminated" => unterminated(&ctx),
        "numbered" => numbered(&ctx),
        "cut-off" => cut_off(&ctx),
        "mixed" => mixed(&ctx),
        _ => (StatusCode::NOT_FOUND, "unknown scenario\n").into_response(),
    };
    ctx.counted(response)
}

/// `/sse/status/{code}`: that status with a short text body (none for 204/304).
pub async fn status(
    State(app): State<AppState>,
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    let ctx = Ctx::new(app, "status", Params(query), request);
    let status = match code.parse::<u16>() {
        Ok(code @ 200..=599) => StatusCode::from_u16(code).expect("200..=599 is a valid status"),
        _ => return (StatusCode::BAD_REQUEST, "bad status code\n").into_response(),
    };
    let response = if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        status.into_response()
    } else {
        (status, format!("status {}\n", status.as_u16())).into_response()
    };
    ctx.counted(response)
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
/// With `cut=mid`, the first request also sends half of the next frame (its `id:` line and
/// half its `data:` line) before the drop: an event the client must discard, id included.
fn resume(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 6);
    let drop_after = ctx.params.num("drop_after", 3);
    let fails = ctx.params.num("fails", 0);
    let end_cleanly = ctx.params.str("mode") == Some("end");
    let cut_mid = ctx.params.str("cut") == Some("mid");
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
        if first && cut_mid && end < count {
            tx.send(half_frame(&message_frame(end, end + 1 == count)))
                .await?;
        }
        if first && !end_cleanly {
            cut(tx).await;
        }
        Ok(())
    })
}

/// A stream the server cuts off for good: the first request of a run gets `count` messages
/// (default 40, none final) `delay` ms apart (default 20), then the connection is cut; every
/// later request gets 410 Gone. A client must report a failure, never a normal end.
fn cut_off(ctx: &Ctx) -> Response {
    if ctx.earlier > 0 {
        return (StatusCode::GONE, "this stream is over\n").into_response();
    }
    let count = ctx.params.num("count", 40);
    let delay = ctx.params.num("delay", 20);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0..count {
            if index > 0 {
                sleep(Duration::from_millis(delay)).await;
            }
            tx.send(message_frame(index, false)).await?;
        }
        cut(tx).await;
        Ok(())
    })
}

/// Unnamed, `tick` and `alert` events in turn (index `i`: type `i % 3`, id `i + 1`, none
/// final), `interval` ms apart (default 20), `count` of them (default: until the client goes).
fn mixed(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", u64::MAX);
    let interval = ctx.params.num("interval", 20).min(MAX_PACE_MS);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in 0..count {
            if index > 0 {
                sleep(Duration::from_millis(interval)).await;
            }
            let name = [None, Some("tick"), Some("alert")][(index % 3) as usize];
            let data = sse::message(index, sse::token(index), Some(0));
            tx.send(sse::event(Some(index + 1), name, &data)).await?;
        }
        Ok(())
    })
}

/// A frame's `id:` line and the first half of its `data:` line (the frames are ASCII).
fn half_frame(frame: &str) -> String {
    let id_line = frame.find('\n').map_or(0, |end| end + 1);
    let data_line = frame.len() - id_line - 2;
    frame[..id_line + data_line / 2].to_owned()
}

/// Cuts the connection mid-stream.
async fn cut(tx: SseSender) {
    // Let the frames leave before the cut; under load an immediate cut can lose them.
    sleep(Duration::from_millis(50)).await;
    tx.abort().await;
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

/// One message of `bytes` x's (default 1 MiB). With `between=1` the x's are between `é` and `😀`,
/// and a small message comes before it and one after it, all three in one write: a client must
/// keep their order and their texts.
fn large(ctx: &Ctx) -> Response {
    let bytes = ctx.params.num("bytes", 1 << 20);
    let between = ctx.params.num("between", 0) == 1;
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        let text = "x".repeat(bytes as usize);
        let frame = if between {
            let text = format!("é{text}😀");
            [
                sse::event(Some(1), None, &sse::message(0, "before é", None)),
                sse::event(Some(2), None, &sse::message(1, &text, None)),
                sse::event(Some(3), None, &sse::message(2, "after 😀", Some(1))),
            ]
            .concat()
        } else {
            sse::event(Some(1), None, &sse::message(0, &text, Some(1)))
        };
        tx.send(frame).await
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

/// The first `fails` requests get status `code` (with `Retry-After: N` when `retry_after=N`),
/// later ones the `basic` stream: retries and their delays, as fetch transports see them.
fn fail_then_ok(ctx: &Ctx) -> Response {
    if ctx.earlier < ctx.params.num("fails", 2) {
        let code = u16::try_from(ctx.params.num("code", 503))
            .ok()
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut response = (code, "try again\n").into_response();
        if let Some(seconds) = ctx.params.str("retry_after") {
            if let Ok(seconds) = seconds.parse::<u64>() {
                let headers = response.headers_mut();
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
        }
        return response;
    }
    basic(ctx)
}

/// Four messages whose texts are what reached the server: the method, the Authorization
/// header, the `X-Test` header and the body.
fn mirror(ctx: &Ctx) -> Response {
    let request = &ctx.request;
    let texts = [
        request.method.to_string(),
        request.header("authorization"),
        request.header("x-test"),
        request.body_text(),
    ];
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for (index, text) in (0..).zip(&texts) {
            let data = sse::message(index, text, Some(u8::from(index == 3)));
            tx.send(sse::event(Some(index + 1), None, &data)).await?;
        }
        Ok(())
    })
}

/// What an OpenAI-style API answers to a bad key, so clients can show the server's message.
const AUTH_ERROR: &str = r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#;

/// `basic`, but only with `Authorization: Bearer <token>` (query `token`, default `secret`).
fn auth(ctx: &Ctx) -> Response {
    let token = ctx.params.str("token").unwrap_or("secret");
    if ctx.request.header("authorization") != format!("Bearer {token}") {
        let json = [(header::CONTENT_TYPE, "application/json")];
        return (StatusCode::UNAUTHORIZED, json, AUTH_ERROR).into_response();
    }
    basic(ctx)
}

/// Ids that fetch cannot put in a header as they are (not Latin-1).
const TEXT_IDS: [&str; 3] = ["第1条", "第2条", "第3条"];

/// Three events with [`TEXT_IDS`]; the first request drops after two, later ones resume after
/// the event whose id is the Last-Event-ID header read as UTF-8 (from the start if unknown).
fn ids(ctx: &Ctx) -> Response {
    let first = ctx.earlier == 0;
    let after = ctx.resume_id.as_deref();
    let start = after
        .and_then(|id| TEXT_IDS.iter().position(|known| *known == id))
        .map_or(0, |seen| seen + 1);
    let end = if first { 2 } else { TEXT_IDS.len() };
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(FAST_RETRY_MS)).await?;
        for (index, id) in TEXT_IDS.iter().enumerate().take(end).skip(start) {
            let last = index + 1 == TEXT_IDS.len();
            let index = index as u64;
            let data = sse::message(index, sse::token(index), Some(u8::from(last)));
            tx.send(sse::event_with_id(Some(id), None, &data)).await?;
        }
        if first {
            cut(tx).await;
        }
        Ok(())
    })
}

/// The first request sets `retry: <ms>` (query `ms`, default 300), sends message 0 and ends
/// cleanly; later ones send message 1 (status 1). The gap between requests shows whether the
/// client honoured the field.
fn retry_field(ctx: &Ctx) -> Response {
    let ms = ctx.params.num("ms", 300);
    let first = ctx.earlier == 0;
    sse_response(ctx.guard(), move |tx| async move {
        if first {
            tx.send(sse::retry(ms)).await?;
            tx.send(message_frame(0, false)).await
        } else {
            tx.send(message_frame(1, true)).await
        }
    })
}

/// Message 0, then (first request only) `silence` ms (default 5000) with nothing on the wire,
/// or `: ping` every 100 ms with `comments=1`, then messages 1 and 2. For idle timeouts: a
/// half-open connection looks exactly like this. Later requests resume from the numeric id.
fn silence(ctx: &Ctx) -> Response {
    let quiet = Duration::from_millis(ctx.params.num("silence", 5000).min(MAX_SILENCE_MS));
    let comments = ctx.params.num("comments", 0) == 1;
    let first = ctx.earlier == 0;
    let start = ctx.resume_from.unwrap_or(0);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        for index in start..3 {
            if index == 1 && first {
                let deadline = Instant::now() + quiet;
                let ping = Duration::from_millis(100);
                while comments && Instant::now() + ping < deadline {
                    sleep(ping).await;
                    tx.send(sse::comment("ping")).await?;
                }
                sleep_until(deadline).await;
            }
            tx.send(message_frame(index, index == 2)).await?;
        }
        Ok(())
    })
}

/// Message 0, then message 1 (status 1) without its closing blank line (`bare=1`: without
/// its last line end either), then a clean end. A spec-exact client discards message 1;
/// one with a "flush at end" option delivers it. A resumed request skips message 0.
fn unterminated(ctx: &Ctx) -> Response {
    let missing = if ctx.params.num("bare", 0) == 1 { 2 } else { 1 };
    let start = ctx.resume_from.unwrap_or(0);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(RETRY_MS)).await?;
        if start == 0 {
            tx.send(message_frame(0, false)).await?;
        }
        let mut tail = message_frame(1, true);
        tail.truncate(tail.len() - missing);
        tx.send(tail).await
    })
}

/// Events per frame of `numbered`.
const NUMBERED_BATCH: u64 = 50;

/// For the fault-injection proxy: `retry: 10`, events `id: n` / `data: n 世界` for n from
/// Last-Event-ID + 1 (default 1) to `count` (default 10000), then `event: done` / `data: end`.
/// Written 50 events per frame, `pace` ms apart (default 0), so a cut lands anywhere, inside
/// the 3-byte characters included. Resuming must deliver every n exactly once.
fn numbered(ctx: &Ctx) -> Response {
    let count = ctx.params.num("count", 10_000).min(MAX_NUMBERED);
    let pace = Duration::from_millis(ctx.params.num("pace", 0).min(MAX_PACE_MS));
    let start = ctx.resume_from.map_or(1, |seen| seen.saturating_add(1));
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(10)).await?;
        let mut first = start;
        while first <= count {
            if first > start && !pace.is_zero() {
                sleep(pace).await;
            }
            let last = (first + NUMBERED_BATCH - 1).min(count);
            let batch: String = (first..=last)
                .map(|n| sse::event(Some(n), None, &format!("{n} 世界")))
                .collect();
            tx.send(batch).await?;
            first = last + 1;
        }
        tx.send(sse::event(None, Some("done"), "end")).await
    })
}
