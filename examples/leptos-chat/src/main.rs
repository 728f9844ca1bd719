//! The streaming-answer chat with wasm-sse's Leptos functions: type a prompt, Send (or Enter),
//! and the answer streams in from the server's `/api/chat`; Stop closes the stream.
//!
//! Run it with `cargo xtask example leptos-chat`, then open the address it prints. The page's
//! own query string goes to the chat endpoint, so `/?mode=drop` shows a reconnection and
//! `/?mode=error` a failure.

#[cfg(target_arch = "wasm32")]
mod chat {
    use leptos::prelude::*;
    use serde::Deserialize;
    use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
    use wasm_sse::{CloseReason, ReadyState, SseOptions};

    #[derive(Clone, Deserialize)]
    struct Chunk {
        text: String,
        status: u8,
    }

    #[component]
    pub fn Chat() -> impl IntoView {
        let prompt = RwSignal::new(String::new());
        let url = RwSignal::new(String::new());
        let options = UseSseOptions::new(|| {
            SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1)
        });
        let UseSseReturn {
            ready_state,
            messages,
            error,
            close_reason,
            reconnecting,
            open,
            close,
            ..
        } = use_sse_with_options(url, options.keep_messages(true));
        let send = move || {
            let prompt = prompt.get_untracked();
            if prompt.trim().is_empty() {
                return;
            }
            let page_query = window().location().search().unwrap_or_default();
            let next = format!(
                "/api/chat?q={}&{}",
                js_sys::encode_uri_component(&prompt),
                page_query.trim_start_matches('?')
            );
            // The same prompt again is a new answer: open the same URL again.
            if url.get_untracked() == next {
                open();
            } else {
                url.set(next);
            }
        };
        let send_on_enter = send.clone();
        let status = move || match (ready_state.get(), close_reason.get()) {
            (ReadyState::Connecting, _) if reconnecting.get().is_some() => "reconnecting…".into(),
            (ReadyState::Connecting, _) => "connecting…".into(),
            (ReadyState::Open, _) => "streaming…".into(),
            (_, Some(CloseReason::Completed)) => "done".into(),
            (_, Some(CloseReason::Disconnected)) => "stopped".into(),
            (_, _) => match error.get() {
                Some(error) => format!("failed: {error}"),
                None => "ask me something".to_string(),
            },
        };
        let answer = move || {
            messages.with(|all| all.iter().map(|m| m.data.text.clone()).collect::<String>())
        };
        view! {
            <main>
                <h1>"wasm-sse · Leptos chat"</h1>
                <input
                    placeholder="Ask something"
                    bind:value=prompt
                    on:keydown=move |event| if event.key() == "Enter" { send_on_enter() }
                />
                <button on:click=move |_| send()>"Send"</button>
                <button on:click=move |_| close() disabled=move || ready_state.get() == ReadyState::Closed>
                    "Stop"
                </button>
                <p class="status">{status}</p>
                <p class="answer">{answer}</p>
            </main>
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    leptos::mount::mount_to_body(chat::Chat);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("leptos-chat runs in the browser: `cargo xtask example leptos-chat`");
}
