//! The demo's simulated assistant. `POST /api/chat` takes the conversation as a JSON body
//! `{"conversation":"<id>","messages":[{"role":"user"|"assistant","content":"..."}]}` with
//! `Authorization: Bearer demo-token` (or the `token=` parameter's value) and answers its last
//! user message; `GET /api/chat?q=PROMPT` (also `/sse/chat`, any method) answers a one-off prompt.
//!
//! Both stream the answer token by token as JSON chunks `{"index":i,"text":"...","status":0}`,
//! ids `index + 1`, the last chunk with `status: 1`. `mode=` replays the cases that matter:
//! `normal` (default), `done-event` (named `token` events, then `event: done`), `sentinel`
//! (`data: [DONE]`), `drop` (the connection is cut halfway and resumes from `Last-Event-ID`),
//! `error` (HTTP 500), `invalid-json` (one malformed chunk halfway). `delay=` sets the ms between
//! tokens (default 60), `retry=` the reconnection delay (default 700), `run=` counts requests.
//!
//! POST answers are kept per (conversation, number of messages) (see `store`): a request with
//! `Last-Event-ID: N` continues the same answer from token N, and `mode=drop` only cuts the
//! first request of a turn.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::time::sleep;

use super::{answer, authorized, json_error};
use crate::ctx::{Ctx, Params};
use crate::request::Incoming;
use crate::sse;
use crate::stream::sse_response;
use crate::AppState;

/// The 401 body (OpenAI's error shape, so a client can show the server's message).
const BAD_TOKEN: &str = r#"{"error":{"message":"invalid token: the demo accepts Bearer demo-token","type":"invalid_request_error"}}"#;

/// What the POST body must look like, for the 400 message.
const BODY_SHAPE: &str = r#"the body must be JSON {"conversation": "<id>", "messages": [{"role": "user" or "assistant", "content": "..."}]}"#;

#[derive(Deserialize)]
struct Conversation {
    conversation: String,
    messages: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    role: Role,
    content: String,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Role {
    User,
    Assistant,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
}

/// A 400 with `message`, in the same shape as the 401.
fn bad_request(message: &str) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            message,
            kind: "invalid_request_error",
        },
    };
    let body = serde_json::to_string(&body).expect("an error serialises");
    json_error(StatusCode::BAD_REQUEST, body)
}

/// The conversation in the body, or what is wrong with it.
fn conversation(body: &[u8]) -> Result<Conversation, String> {
    let conversation: Conversation =
        serde_json::from_slice(body).map_err(|error| format!("{BODY_SHAPE}: {error}"))?;
    match conversation.messages.last() {
        None => Err("messages is empty: the last message must be from the user".to_owned()),
        Some(last) if last.role != Role::User => {
            Err("the last message must be from the user, not the assistant".to_owned())
        }
        Some(_) => Ok(conversation),
    }
}

/// `POST /api/chat`.
pub async fn post(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    let answers = app.answers.clone();
    let ctx = Ctx::new(app, "chat", Params(query), request);
    if !authorized(&ctx) {
        return json_error(StatusCode::UNAUTHORIZED, BAD_TOKEN.to_owned());
    }
    let conversation = match conversation(&ctx.request.body) {
        Ok(conversation) => conversation,
        Err(message) => return bad_request(&message),
    };
    if mode(&ctx) == "error" {
        return unavailable();
    }
    let messages = &conversation.messages;
    let turn = messages.iter().filter(|m| m.role == Role::User).count();
    let last = messages.last().map_or("", |m| m.content.as_str());
    let answer = answers.answer(
        &conversation.conversation,
        messages.len(),
        ctx.resume_from.is_some(),
        || answer::to_history(last, turn, messages.len()),
    );
    stream(&ctx, answer.tokens, answer.first)
}

/// `GET /api/chat?q=PROMPT`.
pub async fn get(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    prompt(&Ctx::new(app, "chat", Params(query), request))
}

/// `/sse/chat?q=PROMPT`, any method: the GET chat with the scenarios' `X-Request-Count`.
pub async fn alias(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    let ctx = Ctx::new(app, "chat", Params(query), request);
    ctx.counted(prompt(&ctx))
}

/// The answer to `q=`; `mode=drop` cuts every request without a resume position.
fn prompt(ctx: &Ctx) -> Response {
    if mode(ctx) == "error" {
        return unavailable();
    }
    let tokens = answer::to_prompt(ctx.params.str("q").unwrap_or(""));
    stream(ctx, Arc::new(tokens), ctx.resume_from.is_none())
}

fn mode(ctx: &Ctx) -> &str {
    ctx.params.str("mode").unwrap_or("normal")
}

fn unavailable() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the assistant is unavailable\n",
    )
        .into_response()
}

/// Streams `tokens` from the resume position in the requested mode; with `mode=drop` and
/// `may_cut`, the connection is cut halfway.
fn stream(ctx: &Ctx, tokens: Arc<Vec<String>>, may_cut: bool) -> Response {
    let mode = mode(ctx).to_owned();
    let delay = Duration::from_millis(ctx.params.num("delay", 60));
    let retry = ctx.params.num("retry", 700);
    let count = tokens.len() as u64;
    let half = count / 2;
    // Ids are index + 1, so a resumed request starts at the last id it saw.
    let start = ctx.resume_from.unwrap_or(0);
    let cut_at = (mode == "drop" && may_cut).then_some(half);
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
    use super::conversation;

    #[test]
    fn the_body_must_end_with_a_user_message() {
        let ok = br#"{"conversation":"c","messages":[{"role":"user","content":"hi"}]}"#;
        assert_eq!(conversation(ok).unwrap().messages.len(), 1);
        let bad = [
            &br#"{"messages":[]}"#[..],
            br#"{"conversation":"c","messages":[]}"#,
            br#"{"conversation":"c","messages":[{"role":"system","content":"x"}]}"#,
            br#"{"conversation":"c","messages":[{"role":"assistant","content":"x"}]}"#,
            b"not json",
        ];
        for body in bad {
            assert!(conversation(body).is_err());
        }
    }
}
