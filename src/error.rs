//! What can go wrong, and how a connection ended.

use std::fmt;

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
}

// Written with `write_str` only, so the wasm carries no formatting machinery for it.
impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, detail) = match self {
            SseError::InvalidUrl(message) => ("invalid URL: ", message),
            SseError::InvalidOptions(message) => ("invalid options: ", message),
            SseError::Parse { message, .. } => ("could not decode message data: ", message),
            SseError::Failed(reason) => {
                f.write_str("connection failed: ")?;
                return reason.fmt(f);
            }
        };
        f.write_str(prefix)?;
        f.write_str(detail)
    }
}

impl std::error::Error for SseError {}

/// Why a connection failed for good.
///
/// # Example
/// ```
/// use wasm_sse::FailReason;
/// let reason = FailReason::RetriesExhausted { attempts: 5 };
/// assert_eq!(reason.to_string(), "gave up after 5 failed reconnection attempts");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailReason {
    /// The browser closed the connection and will not retry: an HTTP error status (204 included),
    /// a content type other than `text/event-stream`, or a CORS refusal. The native API does not
    /// say which.
    Refused,
    /// The browser kept failing to reconnect, and the retry budget ran out.
    RetriesExhausted {
        /// How many reconnection attempts failed in a row.
        attempts: u32,
    },
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailReason::Refused => f.write_str(
                "the server refused the stream (HTTP error status, wrong content type or CORS)",
            ),
            FailReason::RetriesExhausted { attempts } => {
                write!(f, "gave up after {attempts} failed reconnection attempts")
            }
        }
    }
}

/// How a connection ended.
///
/// # Example
/// ```
/// use wasm_sse::{CloseReason, FailReason};
/// let reason = CloseReason::Failed(FailReason::Refused);
/// assert_ne!(reason, CloseReason::Completed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
