//! The demo's simulated assistant: `GET /api/chat?q=PROMPT` (also `/sse/chat`) streams an
//! answer token by token as JSON chunks `{"index":i,"text":"...","status":0}`, the last one with
//! `status: 1` (the write-up's convention). `mode=` replays the cases that matter:
//! `normal` (default), `done-event` (named `token` events, then `event: done`), `sentinel`
//! (`data: [DONE]`), `drop` (the connection is cut halfway and resumes from `Last-Event-ID`),
//! `error` (HTTP 500), `invalid-json` (one malformed chunk halfway). `delay=` sets the ms between
//! tokens (default 60), `retry=` the reconnection delay (default 700), `run=` counts requests.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::time::sleep;

use crate::request::Incoming;
use crate::scenarios::{Ctx, Params};
use crate::sse;
use crate::stream::sse_response;
use crate::AppState;

/// `GET /api/chat`.
pub async fn handler(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    chat(&Ctx::new(app, "chat", Params(query), request))
}

/// The answer to `prompt`, split into tokens that keep their leading space.
pub fn answer(prompt: &str) -> Vec<String> {
    let text = format!(
        "You asked: \u{201c}{}\u{201d}. Server-Sent Events carry an answer like this one over a \
         single HTTP response: the server writes each token as a data line, the browser's \
         EventSource hands it to wasm-sse, and wasm-sse decodes the JSON, delivers it, and \
         closes the stream as soon as the final message arrives, before the end of the \
         response could make the browser reconnect.",
        prompt.trim()
    );
    let mut tokens = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        tokens.push(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        });
    }
    tokens
}

/// Streams the answer in the requested mode.
pub fn chat(ctx: &Ctx) -> Response {
    let mode = ctx.params.str("mode").unwrap_or("normal").to_owned();
    if mode == "error" {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the assistant is unavailable\n",
        )
            .into_response();
    }
    let tokens = answer(ctx.params.str("q").unwrap_or(""));
    let delay = Duration::from_millis(ctx.params.num("delay", 60));
    let retry = ctx.params.num("retry", 700);
    let count = tokens.len() as u64;
    let half = count / 2;
    // Ids are index + 1, so a resumed request starts at the last id it saw.
    let start = ctx.resume_from.unwrap_or(0);
    let cut_at = (mode == "drop" && ctx.resume_from.is_none()).then_some(half);
    sse_response(ctx.guard(), move |tx| async move {
        tx.send(sse::retry(retry)).await?;
        for index in start..count {
            if cut_at == Some(index) {
                // Let the tokens leave before the cut; under load an immediate cut can lose them.
                sleep(delay.max(Duration::from_millis(50))).await;
                tx.abort().await;
                return Ok(());
            }
            if index > start {
                sleep(delay).await;
            }
            if mode == "invalid-json" && index == half {
                tx.send(sse::event(None, None, "{\"index\": oops")).await?;
            }
            let text = &tokens[index as usize];
            let last = index + 1 == count;
            let frame = match mode.as_str() {
                "done-event" => sse::event(
                    Some(index + 1),
                    Some("token"),
                    &sse::message(index, text, Some(0)),
                ),
                "sentinel" => sse::event(Some(index + 1), None, &sse::message(index, text, None)),
                _ => sse::event(
                    Some(index + 1),
                    None,
                    &sse::message(index, text, Some(u8::from(last))),
                ),
            };
            tx.send(frame).await?;
        }
        match mode.as_str() {
            "done-event" => {
                tx.send(sse::event(
                    Some(count + 1),
                    Some("done"),
                    "{\"reason\":\"stop\"}",
                ))
                .await
            }
            "sentinel" => tx.send(sse::event(None, None, "[DONE]")).await,
            _ => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::answer;

    #[test]
    fn the_answer_quotes_the_prompt_and_keeps_spaces() {
        let tokens = answer("  hi there ");
        assert_eq!(tokens[0], "You");
        assert_eq!(tokens[1], " asked:");
        assert_eq!(tokens[2], " \u{201c}hi");
        assert!(tokens
            .concat()
            .starts_with("You asked: \u{201c}hi there\u{201d}. Server-Sent"));
    }
}
