//! # wasm-sse
//!
//! A typed, leak-free [Server-Sent Events] client for Rust front ends (Yew, Leptos, plain
//! wasm-bindgen) and, through its npm package, JavaScript. Two transports carry the stream (see
//! [`TransportKind`]): the browser's native
//! [`EventSource`](https://developer.mozilla.org/en-US/docs/Web/API/EventSource), or `fetch` read
//! by wasm-sse's own spec-exact parser, which can send any method, headers and a body (an LLM
//! chat API's `POST` with `Authorization`), reports the HTTP status and error body, resumes with
//! `Last-Event-ID`, and works in service workers.
//!
//! What it adds to a bare `EventSource`:
//! - **A normal end of stream is not an error.** Completion rules (a predicate on the decoded
//!   message, a named done event, a sentinel such as `[DONE]`) deliver the final message, then
//!   close the source before the server's end of stream can make the browser reconnect, so a
//!   one-shot endpoint sees exactly one request. From then on no error callback fires
//!   ([`SseService::is_closing`]).
//! - **Errors classified**: the browser retrying is `on_reconnecting` with the attempt number;
//!   the browser giving up (HTTP error, wrong content type, CORS) is [`SseError::Failed`]; data
//!   that is not valid JSON is [`SseError::Parse`] with the raw text, and the stream goes on.
//! - **Bounded reconnection**: the browser's own retries are capped ([`DEFAULT_MAX_RETRIES`]),
//!   and a [`ReconnectPolicy`] can re-create a failed connection with exponential backoff and
//!   jitter, carrying the last event id as a query parameter.
//! - **Typed data**: serde_json into any `Deserialize` type, in wasm (with the fetch transport
//!   the text never crosses to JS).
//! - **No leaks**: every closure lives in an RAII listener that is removed when the connection
//!   is dropped; a callback that panics does not stop later events.
//!
//! Two flavours: callbacks with [`SseService`], and a `futures` [`Stream`](futures_core::Stream)
//! with [`SseStream`].
//!
//! A chat request on the fetch transport (any fetch-only setter chooses it):
//! ```no_run
//! use wasm_sse::{SseOptions, SseService};
//!
//! let mut sse = SseService::new();
//! sse.connect(
//!     "/api/chat",
//!     SseOptions::<String>::text()
//!         .method("POST")
//!         .header("Authorization", "Bearer my-token")
//!         .body(r#"{"messages":[{"role":"user","content":"hi"}]}"#)
//!         .done_data("[DONE]")
//!         .on_message(|message| web_sys::console::log_1(&message.data.into()))
//!         .on_error(|error| web_sys::console::error_1(&error.to_string().into())),
//! )?;
//! # Ok::<(), wasm_sse::SseError>(())
//! ```
//!
//! # Example
//! ```no_run
//! use wasm_sse::{SseOptions, SseService};
//!
//! #[derive(serde::Deserialize)]
//! struct Chunk {
//!     text: String,
//!     status: u8,
//! }
//!
//! let mut sse = SseService::new();
//! sse.connect(
//!     "/api/chat?q=hello",
//!     SseOptions::<Chunk>::new()
//!         .on_message(|message| web_sys::console::log_1(&message.data.text.into()))
//!         .complete_when(|chunk| chunk.status == 1)
//!         .on_complete(|| web_sys::console::log_1(&"answer complete".into()))
//!         .on_error(|error| web_sys::console::error_1(&error.to_string().into())),
//! )?;
//! # Ok::<(), wasm_sse::SseError>(())
//! ```
//!
//! [Server-Sent Events]: https://html.spec.whatwg.org/multipage/server-sent-events.html
#![no_std]
#![deny(missing_docs, missing_debug_implementations)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// Without `std` (the npm package's build), a panic traps: no panic message is formatted, so
/// none of the formatting machinery is linked.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// What the standard prelude has and `core`'s lacks, for every module.
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec::Vec;
}

mod connection;
mod decode;
mod delivery;
mod error;
mod guard;
mod handler;
mod handles;
#[cfg(any(feature = "yew", feature = "leptos", test))]
mod hooks;
#[cfg(feature = "js")]
mod js;
#[cfg(feature = "leptos")]
pub mod leptos;
mod listener;
mod local;
mod message;
mod options;
mod parser;
mod ready_state;
mod reconnect;
mod service;
mod share;
mod stream;
mod timer;
mod transport;
mod url;
#[cfg(feature = "yew")]
pub mod yew;

pub use error::{CloseReason, FailReason, SseError};
pub use message::Message;
pub use options::SseOptions;
pub use parser::DEFAULT_MAX_EVENT_SIZE;
pub use ready_state::ReadyState;
pub use reconnect::{
    ReconnectInfo, ReconnectMode, ReconnectPolicy, DEFAULT_MAX_RETRIES, DEFAULT_RETRY,
    MAX_RETRY_DELAY,
};
pub use service::SseService;
pub use share::{Share, ShareOptions, SseSubscription};
pub use stream::SseStream;
pub use transport::TransportKind;
