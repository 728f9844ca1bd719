//! What can go wrong, and how a connection ended.

use crate::prelude::*;
use core::fmt;

/// An error reported by the service: returned by `connect`, passed to the `on_error` callback,
/// or yielded by a stream.
///
/// # Example
/// ```
/// use wasm_sse::{FailReason, SseError};
/// let error = SseError::Failed(FailReason::Refused);
/// assert!(error.is_fatal());
/// assert!(error.to_string().starts_with("connection failed"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SseError {
    /// The browser refused the URL (`new EventSource` threw); carries the browser's message.
    InvalidUrl(String),
    /// The options contradict themselves (an empty or reserved event name, a bad policy).
    InvalidOptions(String),
    /// A message's data could not be decoded. The connection goes on.
    Parse {
        /// The raw data text, so nothing is lost.
        data: String,
        /// Why decoding failed.
        message: String,
    },
    /// The connection is over and will not come back.
    Failed(FailReason),
}

impl SseError {
    /// Whether this error ended the connection (only [`SseError::Failed`] does).
    pub fn is_fatal(&self) -> bool {
        matches!(self, SseError::Failed(_))
    }

    /// The message `Display` shows, built without the formatting machinery (which would
    /// otherwise be linked into the npm package for it).
    pub(crate) fn message(&self) -> String {
        let (prefix, detail) = match self {
            SseError::InvalidUrl(message) => ("invalid URL: ", message.as_str()),
            SseError::InvalidOptions(message) => ("invalid options: ", message.as_str()),
            SseError::Parse { message, .. } => {
                ("could not decode message data: ", message.as_str())
            }
            SseError::Failed(reason) => return ["connection failed: ", &reason.message()].concat(),
        };
        [prefix, detail].concat()
    }
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for SseError {}

/// Why a connection failed for good.
///
/// # Example
/// ```
/// use wasm_sse::FailReason;
/// let reason = FailReason::RetriesExhausted { attempts: 5 };
/// assert_eq!(reason.to_string(), "gave up after 5 failed reconnection attempts");
/// let reason = FailReason::Http { status: 401, body: "invalid token".into() };
/// assert_eq!(reason.status(), Some(401));
/// assert_eq!(reason.to_string(), "HTTP 401: invalid token");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailReason {
    /// The browser's `EventSource` closed the connection and will not retry: an HTTP error status
    /// (204 included), a content type other than `text/event-stream`, or a CORS refusal. The
    /// native API does not say which, and a connection cut inside the response head looks the
    /// same (its CORS header never arrived). [`SseOptions::reconnect`](crate::SseOptions::reconnect)
    /// re-creates the connection after it.
    Refused,
    /// The connection kept failing, and the retry budget ran out.
    RetriesExhausted {
        /// How many reconnection attempts failed in a row.
        attempts: u32,
    },
    /// (Fetch transport) The server answered with a status that ends the stream: 204, or an
    /// error status other than 408, 429 and 5xx (or one of those once the retry budget is spent).
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 64 KiB), as text: an API's own error message.
        body: String,
    },
    /// (Fetch transport) A success status, but not a `text/event-stream` response.
    ContentType {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` the server sent (`""` if none).
        content_type: String,
        /// The start of the response body (at most 64 KiB), as text.
        body: String,
    },
    /// (Fetch transport) The request could not be made: `fetch` threw or rejected (a network
    /// error, a CORS refusal, a header value the browser refuses), or a `headers`/`body` getter
    /// failed. Carries the message.
    Request(String),
    /// (Fetch transport) The stream was lost (dropped, ended by the server or idle for too long)
    /// before a completion rule matched, and the request is not one to repeat: reconnection is
    /// off, or the method is not GET and the stream gave no event id to resume from.
    Lost,
    /// (Fetch transport) One event was larger than the configured limit
    /// ([`SseOptions::max_event_size`](crate::SseOptions::max_event_size)).
    EventTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl FailReason {
    /// The HTTP status the failure came with, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FailReason::Http { status, .. } | FailReason::ContentType { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The start of the response body the failure came with, if the server answered.
    pub fn body(&self) -> Option<&str> {
        match self {
            FailReason::Http { body, .. } | FailReason::ContentType { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The message `Display` shows, built without the formatting machinery.
    pub(crate) fn message(&self) -> String {
        match self {
            FailReason::Refused => {
                "the server refused the stream (HTTP error status, wrong content type or CORS)"
                    .into()
            }
            FailReason::RetriesExhausted { attempts } => [
                "gave up after ",
                &decimal(u64::from(*attempts)),
                " failed reconnection attempts",
            ]
            .concat(),
            FailReason::Http { status, body } => {
                let status = decimal(u64::from(*status));
                match body.trim_end() {
                    "" => ["HTTP ", &status].concat(),
                    body => ["HTTP ", &status, ": ", body].concat(),
                }
            }
            FailReason::ContentType {
                status,
                content_type,
                ..
            } => [
                "expected a text/event-stream response, got \"",
                content_type,
                "\" (HTTP ",
                &decimal(u64::from(*status)),
                ")",
            ]
            .concat(),
            FailReason::Request(message) => ["the request failed: ", message].concat(),
            FailReason::Lost => "the stream was lost before it completed, and the request is not \
                 repeated (reconnect is \"never\", or not a GET and no event id to resume from)"
                .into(),
            FailReason::EventTooLarge { limit } => [
                "an event exceeded the ",
                &decimal(*limit as u64),
                "-byte limit",
            ]
            .concat(),
        }
    }
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// `n` in decimal digits.
pub(crate) fn decimal(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// How a connection ended.
///
/// # Example
/// ```
/// use wasm_sse::{CloseReason, FailReason};
/// let reason = CloseReason::Failed(FailReason::Refused);
/// assert_ne!(reason, CloseReason::Completed);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// A completion rule matched: the stream ended normally.
    Completed,
    /// The client closed it (`disconnect`, a new `connect`, or dropping the owner).
    Disconnected,
    /// It failed for good.
    Failed(FailReason),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        let exhausted = SseError::Failed(FailReason::RetriesExhausted { attempts: 120 });
        assert_eq!(
            exhausted.to_string(),
            "connection failed: gave up after 120 failed reconnection attempts"
        );
        assert_eq!(
            FailReason::RetriesExhausted { attempts: 0 }.to_string(),
            "gave up after 0 failed reconnection attempts"
        );
        let parse = SseError::Parse {
            data: "x".into(),
            message: "bad".into(),
        };
        assert_eq!(parse.to_string(), "could not decode message data: bad");
    }
}
