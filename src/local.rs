//! Per-thread state, with or without `std`: `thread_local!` where the standard library is
//! linked, else a lazily made `static`, which is sound only because the target of a build
//! without `std` (the npm package: wasm32 without atomics) has a single thread.

#[cfg(not(feature = "std"))]
use core::cell::OnceCell;

/// Declares `static NAME: T = init;`, reached with `NAME.with(|value| ...)`.
macro_rules! local {
    ($(#[$attr:meta])* static $name:ident: $ty:ty = $init:expr;) => {
        #[cfg(feature = "std")]
        std::thread_local!($(#[$attr])* static $name: $ty = $init);
        #[cfg(not(feature = "std"))]
        $(#[$attr])*
        static $name: $crate::local::Local<$ty> = $crate::local::Local::new(|| $init);
    };
}
pub(crate) use local;

/// A value made on first use, for a target with one thread.
#[cfg(not(feature = "std"))]
pub(crate) struct Local<T> {
    value: OnceCell<T>,
    init: fn() -> T,
}

// SAFETY: only built without `std`, for wasm32 without atomics, where there is one thread.
#[cfg(all(not(feature = "std"), not(target_feature = "atomics")))]
unsafe impl<T> Sync for Local<T> {}

#[cfg(not(feature = "std"))]
impl<T> Local<T> {
    pub(crate) const fn new(init: fn() -> T) -> Self {
        Local {
            value: OnceCell::new(),
            init,
        }
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(self.value.get_or_init(self.init))
    }
}
