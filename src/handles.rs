//! The streams the JS side holds, by number. A handle lives from `open`/`join` until the JS
//! object releases it (when its stream ends, or on `free()`); the JS object, not a finalizer,
//! decides, so a stream never dies because the page dropped its last reference.

use crate::prelude::*;
use alloc::rc::Rc;
use core::cell::RefCell;

use crate::connection::Control;

crate::local::local! {
    /// Slot `n` holds handle `n`; a released slot is reused.
    static HANDLES: RefCell<Vec<Option<Rc<dyn Control>>>> = RefCell::new(Vec::new());
}

pub(super) fn insert(stream: Rc<dyn Control>) -> u32 {
    HANDLES.with(|handles| {
        let mut handles = handles.borrow_mut();
        let slot = match handles.iter().position(Option::is_none) {
            Some(free) => free,
            None => {
                handles.push(None);
                handles.len() - 1
            }
        };
        handles[slot] = Some(stream);
        slot as u32
    })
}

/// The stream of `handle`, cloned out: calling it may call back into JS, which may use the
/// handles again.
pub(super) fn get(handle: u32) -> Option<Rc<dyn Control>> {
    HANDLES.with(|handles| handles.borrow().get(handle as usize).cloned().flatten())
}

pub(super) fn remove(handle: u32) {
    // Dropped after the borrow ends: a connection's drop may reach JS.
    let stream = HANDLES.with(|handles| {
        handles
            .borrow_mut()
            .get_mut(handle as usize)
            .and_then(Option::take)
    });
    drop(stream);
}
