//! An event listener that lives in an RAII handle (the shape of gloo-events', written here so
//! the npm package needs no `std`): added when made, removed when dropped. The only way to
//! leak one is `core::mem::forget`.

use alloc::borrow::Cow;
use alloc::boxed::Box;

use wasm_bindgen::prelude::*;
use web_sys::{Event, EventTarget};

/// Listens for `event_type` on `target` until dropped.
#[must_use = "the listener is removed (and its callback never called) when this is dropped"]
pub(crate) struct EventListener {
    target: EventTarget,
    event_type: Cow<'static, str>,
    callback: Closure<dyn FnMut(Event)>,
}

impl EventListener {
    pub(crate) fn new(
        target: &EventTarget,
        event_type: impl Into<Cow<'static, str>>,
        callback: impl FnMut(Event) + 'static,
    ) -> Self {
        let event_type = event_type.into();
        let callback = Closure::wrap(Box::new(callback) as Box<dyn FnMut(Event)>);
        // Refused only for a callback that is not a function, which it is.
        let _ =
            target.add_event_listener_with_callback(&event_type, callback.as_ref().unchecked_ref());
        EventListener {
            target: target.clone(),
            event_type,
            callback,
        }
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let callback = self.callback.as_ref().unchecked_ref();
        let _ = self
            .target
            .remove_event_listener_with_callback(&self.event_type, callback);
    }
}

impl core::fmt::Debug for EventListener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EventListener")
            .field("event_type", &self.event_type)
            .finish_non_exhaustive()
    }
}
