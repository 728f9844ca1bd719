//! A streaming SSE response body fed through a channel, so scenarios are plain async code
//! and every frame reaches the client as soon as it is written.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_core::Stream;
use tokio::sync::mpsc;

use crate::stats::DisconnectGuard;

/// The client went away; the scenario should stop writing.
pub struct Gone;

/// The scenario's end of the body.
pub struct SseSender {
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl SseSender {
    /// Queues one frame (a `String`, or raw bytes for the byte-exact scenarios); fails once
    /// the body has been dropped.
    pub async fn send(&self, frame: impl Into<Bytes>) -> Result<(), Gone> {
        self.tx.send(Ok(frame.into())).await.map_err(|_| Gone)
    }

    /// Ends the body with an error, so hyper cuts the connection mid-stream
    /// (what a real network drop looks like to the client).
    pub async fn abort(self) {
        let error = io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "scenario drops the stream",
        );
        let _ = self.tx.send(Err(error)).await;
    }
}

/// The response's end of the body: forwards frames and watches how the body ends.
struct ChannelBody {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    guard: DisconnectGuard,
    /// A deliberate error, held back for one poll (see `poll_next`).
    held_error: Option<io::Error>,
}

impl Stream for ChannelBody {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(error) = self.held_error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        match ready!(self.rx.poll_recv(cx)) {
            Some(Ok(frame)) => Poll::Ready(Some(Ok(frame))),
            Some(Err(error)) => {
                // A deliberate abort: not a disconnect. hyper discards its unflushed
                // output when a body fails, so answer Pending once first: hyper then
                // flushes the earlier frames, and the client really receives them.
                self.guard.finish();
                self.held_error = Some(error);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None => {
                // The producer is done: the body ended normally.
                self.guard.finish();
                Poll::Ready(None)
            }
        }
    }
}

/// A 200 `text/event-stream` response whose body is written by `produce` in its own task.
pub fn sse_response<F, Fut>(guard: DisconnectGuard, produce: F) -> Response
where
    F: FnOnce(SseSender) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), Gone>> + Send + 'static,
{
    // A small buffer: frames stay in order and a slow client slows the producer down.
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        // Err(Gone) only means the client left; the guard has already counted it.
        let _ = produce(SseSender { tx }).await;
    });
    let body = Body::from_stream(ChannelBody {
        rx,
        guard,
        held_error: None,
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
