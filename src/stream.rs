//! The futures flavour: a connection read as a `Stream` of typed messages.

use crate::prelude::*;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use futures_core::Stream;

use crate::connection::{Connection, Control};
use crate::{CloseReason, Message, ReadyState, SseError, SseOptions};

/// A connection read as a [`Stream`]: `Ok` items for messages, `Err` items for data that could
/// not be decoded (the stream goes on) and for a fatal failure (then it ends), and `None` after a
/// normal completion. Dropping it closes the connection.
///
/// The stream takes over the options' `on_message`, `on_error` and `on_complete`; named events
/// added with [`SseOptions::event`] arrive as items too. Messages are buffered until polled
/// (an `EventSource` cannot be paused).
///
/// # Example
/// ```no_run
/// use futures_util::StreamExt;
/// use wasm_sse::{SseOptions, SseStream};
///
/// #[derive(serde::Deserialize)]
/// struct Chunk {
///     text: String,
///     status: u8,
/// }
///
/// # async fn run() -> Result<(), wasm_sse::SseError> {
/// let options = SseOptions::<Chunk>::new().complete_when(|chunk| chunk.status == 1);
/// let mut stream = SseStream::connect("/api/chat?q=hi", options)?;
/// let mut answer = String::new();
/// while let Some(item) = stream.next().await {
///     answer.push_str(&item?.data.text);
/// }
/// # Ok(())
/// # }
/// ```
pub struct SseStream<T> {
    queue: Rc<Queue<T>>,
    connection: Rc<dyn Control>,
}

struct Queue<T> {
    items: RefCell<VecDeque<Result<Message<T>, SseError>>>,
    ended: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Queue<T> {
    fn push(&self, item: Result<Message<T>, SseError>) {
        self.items.borrow_mut().push_back(item);
        self.wake();
    }

    fn end(&self) {
        self.ended.set(true);
        self.wake();
    }

    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }
}

impl<T: 'static> SseStream<T> {
    /// Connects to `url` and returns the stream of its messages.
    ///
    /// # Errors
    /// As [`SseService::connect`](crate::SseService::connect).
    pub fn connect(url: &str, options: SseOptions<T>) -> Result<Self, SseError> {
        let queue = Rc::new(Queue {
            items: RefCell::new(VecDeque::new()),
            ended: Cell::new(false),
            waker: RefCell::new(None),
        });
        let (on_message, on_error, on_complete) = (queue.clone(), queue.clone(), queue.clone());
        let on_disconnect = queue.clone();
        let mut options = options
            .on_message(move |message| on_message.push(Ok(message)))
            .on_error(move |error| {
                let fatal = error.is_fatal();
                on_error.push(Err(error));
                if fatal {
                    on_error.end();
                }
            })
            .on_complete(move || on_complete.end());
        // An abort signal ends the stream too.
        options.handlers.on_disconnect = Some(Box::new(move |()| on_disconnect.end()));
        let connection = Connection::open(url, options)?;
        Ok(SseStream { queue, connection })
    }

    /// The connection's state.
    pub fn ready_state(&self) -> ReadyState {
        self.connection.ready_state()
    }

    /// The last event id seen (`""` if none).
    pub fn last_event_id(&self) -> String {
        self.connection.last_event_id()
    }

    /// How the connection ended, or `None` while it is going.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.connection.close_reason()
    }
}

impl<T> Stream for SseStream<T> {
    type Item = Result<Message<T>, SseError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(item) = self.queue.items.borrow_mut().pop_front() {
            return Poll::Ready(Some(item));
        }
        if self.queue.ended.get() {
            return Poll::Ready(None);
        }
        *self.queue.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> Drop for SseStream<T> {
    fn drop(&mut self) {
        self.connection.disconnect();
    }
}

impl<T> core::fmt::Debug for SseStream<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SseStream")
            .field("ready_state", &self.connection.ready_state())
            .field("buffered", &self.queue.items.borrow().len())
            .finish_non_exhaustive()
    }
}
