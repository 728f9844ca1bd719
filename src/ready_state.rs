//! The state of a connection, as `EventSource.readyState` reports it.

/// Where a connection stands: the three values of
/// [`EventSource.readyState`](https://developer.mozilla.org/en-US/docs/Web/API/EventSource/readyState).
///
/// While the browser is retrying after a lost connection (or the service waits to re-create one)
/// the state is [`ReadyState::Connecting`], never `Closed`.
///
/// # Example
/// ```
/// use wasm_sse::ReadyState;
/// assert_eq!(ReadyState::from(1), ReadyState::Open);
/// assert_eq!(ReadyState::Closed as u16, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum ReadyState {
    /// `0`: connecting, or reconnecting after a loss.
    Connecting = 0,
    /// `1`: open; events are arriving.
    Open = 1,
    /// `2`: closed for good (completed, disconnected, failed, or never connected).
    Closed = 2,
}

impl From<u16> for ReadyState {
    /// Maps the browser's number; anything unknown counts as closed.
    fn from(value: u16) -> Self {
        match value {
            0 => ReadyState::Connecting,
            1 => ReadyState::Open,
            _ => ReadyState::Closed,
        }
    }
}
