//! `POST /v1/chat/completions`: the demo's answer in the OpenAI chat-completions streaming
//! format, as OpenAI, DeepSeek and most gateways send it. The request needs
//! `Authorization: Bearer demo-token` (or the `token=` parameter's value) and a body
//! `{"model":"...","messages":[...],"stream":true}`. The stream is `data:` lines only (no `id:`,
//! no `event:`): a chunk with `delta: {"role":"assistant","content":""}`, one chunk per token
//! with `delta: {"content":"<token>"}`, a chunk with `delta: {}` and `finish_reason: "stop"`,
//! then `data: [DONE]`. `delay=` sets the ms between tokens (default 20), `run=` counts requests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tokio::time::sleep;

use super::{answer, authorized, json_error};
use crate::ctx::{Ctx, Params};
use crate::request::Incoming;
use crate::sse;
use crate::stream::sse_response;
use crate::AppState;

/// OpenAI's answer to a bad key.
const BAD_KEY: &str = r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;

/// Numbers the completions (`chatcmpl-<n>`).
static COMPLETIONS: AtomicU64 = AtomicU64::new(0);

/// The request fields the endpoint reads (others, e.g. `temperature`, are ignored).
#[derive(Deserialize)]
struct Request {
    model: String,
    messages: Vec<Message>,
    #[serde(default)]
    stream: bool,
}

#[derive(Deserialize)]
struct Message {
    role: String,
    #[serde(default)]
    content: Option<Content>,
}

/// A string, or content parts whose texts are concatenated.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Part>),
}

#[derive(Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
}

impl Content {
    fn text(&self) -> String {
        match self {
            Content::Text(text) => text.clone(),
            Content::Parts(parts) => parts.iter().filter_map(|p| p.text.as_deref()).collect(),
        }
    }
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
    param: Option<&'a str>,
    code: Option<&'a str>,
}

/// A 400 in OpenAI's error shape.
fn bad_request(message: &str, param: Option<&str>) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            message,
            kind: "invalid_request_error",
            param,
            code: None,
        },
    };
    let body = serde_json::to_string(&body).expect("an error serialises");
    json_error(StatusCode::BAD_REQUEST, body)
}

/// One `chat.completion.chunk`. Field order as OpenAI sends it.
#[derive(Serialize)]
struct Chunk<'a> {
    id: &'a str,
    object: &'static str,
    created: u64,
    model: &'a str,
    choices: [Choice<'a>; 1],
}

#[derive(Serialize)]
struct Choice<'a> {
    index: u32,
    delta: Delta<'a>,
    finish_reason: Option<&'static str>,
}

#[derive(Serialize)]
struct Delta<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<&'a str>,
}

/// `POST /v1/chat/completions`.
pub async fn completions(
    State(app): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
    request: Incoming,
) -> Response {
    let ctx = Ctx::new(app, "completions", Params(query), request);
    if !authorized(&ctx) {
        return json_error(StatusCode::UNAUTHORIZED, BAD_KEY.to_owned());
    }
    let request: Request = match serde_json::from_slice(&ctx.request.body) {
        Ok(request) => request,
        Err(error) => {
            let message = format!(
                "the body must be JSON {{\"model\": \"...\", \"messages\": [...], \
                 \"stream\": true}}: {error}"
            );
            return bad_request(&message, None);
        }
    };
    if !request.stream {
        let message = "only streaming is supported: set \"stream\": true";
        return bad_request(message, Some("stream"));
    }
    let users: Vec<&Message> = request
        .messages
        .iter()
        .filter(|m| m.role == "user")
        .collect();
    let Some(last) = users.last() else {
        return bad_request("messages must contain a user message", Some("messages"));
    };
    let last = last.content.as_ref().map(Content::text).unwrap_or_default();
    let tokens = answer::to_history(&last, users.len(), request.messages.len());
    let delay = Duration::from_millis(ctx.params.num("delay", 20));
    let id = format!(
        "chatcmpl-{}",
        COMPLETIONS.fetch_add(1, Ordering::Relaxed) + 1
    );
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let model = request.model;
    sse_response(ctx.guard(), move |tx| async move {
        let frame = |delta: Delta, finish_reason: Option<&'static str>| {
            let chunk = Chunk {
                id: &id,
                object: "chat.completion.chunk",
                created,
                model: &model,
                choices: [Choice {
                    index: 0,
                    delta,
                    finish_reason,
                }],
            };
            let data = serde_json::to_string(&chunk).expect("a chunk serialises");
            sse::event(None, None, &data)
        };
        let role = Delta {
            role: Some("assistant"),
            content: Some(""),
        };
        tx.send(frame(role, None)).await?;
        for token in &tokens {
            sleep(delay).await;
            let content = Delta {
                role: None,
                content: Some(token),
            };
            tx.send(frame(content, None)).await?;
        }
        let stop = Delta {
            role: None,
            content: None,
        };
        tx.send(frame(stop, Some("stop"))).await?;
        tx.send(sse::event(None, None, "[DONE]")).await
    })
}
