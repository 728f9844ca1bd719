//! The chat, on the shared streaming helpers (`ctx`, `sse`, `stream`) and nothing else:
//! the demo's simulated assistant (`/api/chat`, also `/sse/chat`; see [`demo`]) and an
//! OpenAI-compatible `POST /v1/chat/completions` (see [`openai`]). Both check a bearer token
//! and answer from the same text (see [`answer`]).

mod answer;
mod demo;
mod openai;
mod store;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub use demo::{alias, get, post};
pub use openai::completions;
pub use store::Answers;

use crate::ctx::Ctx;

/// The token the chat accepts unless the request's `token=` parameter names another.
const DEMO_TOKEN: &str = "demo-token";

/// Whether the request carries `Authorization: Bearer <token>` (the scheme in any case).
fn authorized(ctx: &Ctx) -> bool {
    let token = ctx.params.str("token").unwrap_or(DEMO_TOKEN);
    ctx.request
        .header("authorization")
        .split_once(' ')
        .is_some_and(|(scheme, value)| scheme.eq_ignore_ascii_case("bearer") && value == token)
}

/// A JSON error answer.
fn json_error(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
