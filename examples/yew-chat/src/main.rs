//! The streaming-answer chat with wasm-sse's Yew hook: type a prompt, Send (or Enter), and the
//! answer streams in from the server's `/api/chat`; Stop closes the stream.
//!
//! Run it with `cargo xtask example yew-chat`, then open the address it prints. The page's own
//! query string goes to the chat endpoint, so `/?mode=drop` shows a reconnection and
//! `/?mode=error` a failure.

#[cfg(target_arch = "wasm32")]
mod chat {
    use serde::Deserialize;
    use wasm_sse::yew::{use_sse_with_options, UseSseHandle, UseSseOptions};
    use wasm_sse::{CloseReason, ReadyState, SseOptions};
    use web_sys::HtmlInputElement;
    use yew::prelude::*;

    #[derive(Clone, Deserialize)]
    struct Chunk {
        text: String,
        status: u8,
    }

    fn status(sse: &UseSseHandle<Chunk>) -> String {
        match (sse.ready_state(), sse.close_reason()) {
            (ReadyState::Connecting, _) if sse.reconnecting().is_some() => "reconnecting…".into(),
            (ReadyState::Connecting, _) => "connecting…".into(),
            (ReadyState::Open, _) => "streaming…".into(),
            (_, Some(CloseReason::Completed)) => "done".into(),
            (_, Some(CloseReason::Disconnected)) => "stopped".into(),
            (_, _) => match sse.error() {
                Some(error) => format!("failed: {error}"),
                None => "ask me something".into(),
            },
        }
    }

    #[component]
    pub fn Chat() -> Html {
        let input = use_node_ref();
        let url = use_state(String::new);
        let options = UseSseOptions::new(|| {
            SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1)
        });
        let sse = use_sse_with_options(&url, options.keep_messages(true));
        let send = {
            let (input, url, sse) = (input.clone(), url.clone(), sse.clone());
            Callback::from(move |()| {
                let prompt = input.cast::<HtmlInputElement>().map(|i| i.value());
                let prompt = prompt.unwrap_or_default();
                if prompt.trim().is_empty() {
                    return;
                }
                let page = web_sys::window().map(|window| window.location());
                let page_query = page.and_then(|l| l.search().ok()).unwrap_or_default();
                let next = format!(
                    "/api/chat?q={}&{}",
                    js_sys::encode_uri_component(&prompt),
                    page_query.trim_start_matches('?')
                );
                // The same prompt again is a new answer: reconnect to the same URL.
                if *url == next {
                    sse.reconnect();
                } else {
                    url.set(next);
                }
            })
        };
        let on_key = {
            let send = send.clone();
            move |event: KeyboardEvent| {
                if event.key() == "Enter" {
                    send.emit(());
                }
            }
        };
        let streaming = sse.ready_state() != ReadyState::Closed;
        let stop = {
            let sse = sse.clone();
            move |_| sse.close()
        };
        let answer: String = sse
            .messages()
            .iter()
            .map(|m| m.data.text.as_str())
            .collect();
        html! {
            <main>
                <h1>{"wasm-sse · Yew chat"}</h1>
                <input ref={input} placeholder="Ask something" onkeydown={on_key} />
                <button onclick={send.reform(|_| ())}>{"Send"}</button>
                <button onclick={stop} disabled={!streaming}>{"Stop"}</button>
                <p class="status">{status(&sse)}</p>
                <p class="answer">{answer}</p>
            </main>
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<chat::Chat>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("yew-chat runs in the browser: `cargo xtask example yew-chat`");
}
