//! The callback flavour: a service that holds at most one connection at a time.

use crate::prelude::*;
use alloc::rc::Rc;

use crate::connection::{Connection, Control};
use crate::{CloseReason, ReadyState, SseError, SseOptions};

/// Holds one Server-Sent Events connection at a time, over the browser's
/// [`EventSource`](https://developer.mozilla.org/en-US/docs/Web/API/EventSource) or `fetch`
/// (see [`TransportKind`](crate::TransportKind)).
///
/// Connecting again closes the previous connection first; [`SseService::disconnect`] is
/// idempotent; dropping the service closes the connection and removes every listener. The
/// service is the only owner: it is not `Clone`, so nothing else can close the stream behind
/// its back. Works in windows, dedicated workers and (fetch transport) service workers.
///
/// # Example
/// ```no_run
/// use wasm_sse::{SseOptions, SseService};
///
/// #[derive(serde::Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// let mut sse = SseService::new();
/// sse.connect(
///     "/api/chat?q=hi",
///     SseOptions::<Chunk>::new()
///         .on_message(|message| {
///             let _token = message.data.text;
///         })
///         .complete_when(|chunk| chunk.status == 1),
/// )?;
/// assert!(!sse.is_closing());
/// sse.disconnect();
/// assert!(sse.is_closing());
/// # Ok::<(), wasm_sse::SseError>(())
/// ```
#[derive(Default)]
pub struct SseService {
    connection: Option<Rc<dyn Control>>,
}

impl SseService {
    /// A service with no connection yet (ready state `Closed`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Closes any previous connection, then connects to `url`.
    ///
    /// # Errors
    /// [`SseError::InvalidUrl`] with the browser's message if the URL is refused;
    /// [`SseError::InvalidOptions`] if the options contradict themselves.
    pub fn connect<T: 'static>(
        &mut self,
        url: &str,
        options: SseOptions<T>,
    ) -> Result<(), SseError> {
        self.disconnect();
        self.connection = Some(Connection::open(url, options)?);
        Ok(())
    }

    /// Closes the connection, if any. No callback fires for it afterwards. Idempotent.
    pub fn disconnect(&mut self) {
        if let Some(connection) = &self.connection {
            connection.disconnect();
        }
    }

    /// The connection's state (`Closed` before the first connect).
    pub fn ready_state(&self) -> ReadyState {
        self.connection
            .as_ref()
            .map_or(ReadyState::Closed, |c| c.ready_state())
    }

    /// The last event id the stream has seen (`""` if none).
    pub fn last_event_id(&self) -> String {
        self.connection
            .as_ref()
            .map(|c| c.last_event_id())
            .unwrap_or_default()
    }

    /// True from the moment a completion or a disconnect begins: from then on no error callback
    /// fires for this connection.
    pub fn is_closing(&self) -> bool {
        self.connection.as_ref().is_some_and(|c| c.is_closing())
    }

    /// How the current connection ended, or `None` while it is still going (or never started).
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.connection.as_ref().and_then(|c| c.close_reason())
    }
}

impl Drop for SseService {
    fn drop(&mut self) {
        self.disconnect();
    }
}

impl core::fmt::Debug for SseService {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SseService")
            .field("ready_state", &self.ready_state())
            .field("is_closing", &self.is_closing())
            .field("close_reason", &self.close_reason())
            .finish_non_exhaustive()
    }
}
