//! The Leptos functions under server-side rendering (feature `ssr`): they compile, render, and
//! do nothing. Native: `cargo test -p wasm-sse --features ssr --test leptos_ssr`.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

use leptos::prelude::*;
use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
use wasm_sse::SseOptions;

#[test]
fn use_sse_renders_closed_and_connects_nothing_on_the_server() {
    let owner = Owner::new();
    let html = owner.with(|| {
        let options = UseSseOptions::new(|| -> SseOptions<String> {
            panic!("the server never builds connection options")
        })
        .keep_messages(true);
        let UseSseReturn {
            ready_state,
            message,
            messages,
            error,
            close_reason,
            reconnecting,
            open,
            close,
        } = use_sse_with_options("http://127.0.0.1:9/never", options);
        // Both do nothing on the server (no EventSource exists there).
        open();
        close();
        let view = view! {
            <p class="state">{move || format!("{:?}", ready_state.get())}</p>
            <p class="message">{move || message.with(|m| m.as_ref().map(|m| m.data.clone()))}</p>
            <p class="count">{move || messages.with(Vec::len)}</p>
            <p class="rest">
                {move || format!("{:?} {:?} {:?}", error.get(), close_reason.get(), reconnecting.get())}
            </p>
        };
        view.to_html()
    });
    for expected in ["Closed", "None None None"] {
        assert!(html.contains(expected), "{expected:?} in {html}");
    }
    assert!(html.contains(">0<"), "no messages: {html}");
}
