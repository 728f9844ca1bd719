//! A multi-turn chat with wasm-sse's Yew hook: type a prompt, Send (or Enter), and the whole
//! conversation is POSTed as JSON to the server's `/api/chat` with `Authorization: Bearer …`;
//! the answer streams in, joins the conversation once finished, and the next prompt sends it all
//! again. Stop closes the stream.
//!
//! Run it with `cargo xtask example yew-chat`, then open the address it prints. The page's own
//! query string goes to the chat endpoint, so `/?mode=drop` shows a dropped connection resuming
//! the same answer from `Last-Event-ID`, and `/?mode=error` a failure; change the token to see
//! the server's own 401 message.

#[cfg(target_arch = "wasm32")]
mod chat {
    use std::rc::Rc;

    use serde::{Deserialize, Serialize};
    use wasm_sse::yew::{use_sse_with_options, UseSseHandle, UseSseOptions};
    use wasm_sse::{CloseReason, FailReason, ReadyState, SseError, SseOptions};
    use web_sys::HtmlInputElement;
    use yew::prelude::*;

    /// One streamed piece of the answer; `status` 1 on the last.
    #[derive(Clone, Deserialize)]
    struct Chunk {
        text: String,
        status: u8,
    }

    /// One turn of the conversation, as the endpoint takes it.
    #[derive(Clone, PartialEq, Serialize)]
    struct Turn {
        role: &'static str,
        content: String,
    }

    /// The request body: the whole conversation so far.
    #[derive(Serialize)]
    struct Conversation<'a> {
        conversation: &'a str,
        messages: &'a [Turn],
    }

    /// An OpenAI-style error body: `{"error":{"message":"…","type":"…"}}`.
    #[derive(Deserialize)]
    struct ErrorBody {
        error: ErrorDetail,
    }

    #[derive(Deserialize)]
    struct ErrorDetail {
        message: String,
    }

    /// The error as a person should read it: an HTTP error shows the server's own message.
    fn explain(error: &SseError) -> String {
        if let SseError::Failed(FailReason::Http { status, body }) = error {
            if let Ok(ErrorBody { error }) = serde_json::from_str(body) {
                return format!("HTTP {status}: {}", error.message);
            }
        }
        error.to_string()
    }

    fn status(sse: &UseSseHandle<Chunk>) -> String {
        match (sse.ready_state(), sse.close_reason()) {
            (ReadyState::Connecting, _) => match sse.reconnecting() {
                Some(info) => format!("reconnecting… (attempt {})", info.attempt),
                None => "connecting…".into(),
            },
            (ReadyState::Open, _) => "streaming…".into(),
            (_, Some(CloseReason::Completed)) => "done".into(),
            (_, Some(CloseReason::Disconnected)) => "stopped".into(),
            (_, _) => match sse.error() {
                Some(error) => format!("failed: {}", explain(error)),
                None => "ask me something".into(),
            },
        }
    }

    /// `/api/chat` with the page's own query string (`?mode=drop`, …).
    fn endpoint() -> String {
        let page = web_sys::window().map(|window| window.location());
        let query = page.and_then(|l| l.search().ok()).unwrap_or_default();
        format!("/api/chat{query}")
    }

    /// The answer streamed so far.
    fn answer(sse: &UseSseHandle<Chunk>) -> String {
        sse.messages()
            .iter()
            .map(|m| m.data.text.as_str())
            .collect()
    }

    #[component]
    pub fn Chat() -> Html {
        let prompt = use_node_ref();
        let token = use_node_ref();
        // One conversation per page load; the server keeps each answer by this id, to resume it.
        let id = use_memo((), |()| {
            format!("{:x}", (js_sys::Math::random() * 1e15) as u64)
        });
        let url = use_memo((), |()| endpoint());
        // The turns sent so far, and the body of the latest request (a new one = a new request).
        let history = use_state(|| Rc::new(Vec::<Turn>::new()));
        let body = use_state(String::new);

        let options = {
            let token = token.clone();
            UseSseOptions::new(move || {
                let token = token.clone();
                SseOptions::<Chunk>::json()
                    .method("POST")
                    .header("Content-Type", "application/json")
                    // Called before every request, reconnections included.
                    .header_with("Authorization", move || {
                        let field = token.cast::<HtmlInputElement>();
                        let bearer =
                            format!("Bearer {}", field.map(|i| i.value()).unwrap_or_default());
                        async move { bearer }
                    })
                    .complete_when(|chunk| chunk.status == 1)
            })
            .body(body.as_str())
            .keep_messages(true)
            // Nothing to send before the first prompt.
            .immediate(false)
        };
        let sse = use_sse_with_options(&url, options);
        let streaming = sse.ready_state() != ReadyState::Closed;

        let send = {
            let (prompt, history, body, sse) =
                (prompt.clone(), history.clone(), body.clone(), sse.clone());
            Callback::from(move |()| {
                let Some(field) = prompt.cast::<HtmlInputElement>() else {
                    return;
                };
                let text = field.value();
                if text.trim().is_empty() || sse.ready_state() != ReadyState::Closed {
                    return;
                }
                let mut turns = (**history).clone();
                if turns.last().is_some_and(|turn| turn.role == "user") {
                    // The previous answer joins the conversation: finished, or stopped with
                    // some text; a failed one leaves with its prompt.
                    let answer = answer(&sse);
                    let kept = matches!(
                        sse.close_reason(),
                        Some(CloseReason::Completed | CloseReason::Disconnected)
                    );
                    if kept && !answer.is_empty() {
                        turns.push(Turn {
                            role: "assistant",
                            content: answer,
                        });
                    } else {
                        turns.pop();
                    }
                }
                turns.push(Turn {
                    role: "user",
                    content: text,
                });
                let conversation = Conversation {
                    conversation: &id,
                    messages: &turns,
                };
                body.set(serde_json::to_string(&conversation).expect("a conversation serialises"));
                history.set(Rc::new(turns));
                field.set_value("");
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
        let stop = {
            let sse = sse.clone();
            move |_| sse.close()
        };
        let awaiting = history.last().is_some_and(|turn| turn.role == "user");
        html! {
            <main>
                <h1>{"wasm-sse · Yew chat"}</h1>
                <p class="token">
                    <label>{"Token "}<input ref={token} value="demo-token" /></label>
                </p>
                <ol class="transcript">
                    { for history.iter().map(|turn| html! {
                        <li class={classes!("turn", turn.role)}>{turn.content.clone()}</li>
                    }) }
                    if awaiting {
                        <li class="turn assistant">{answer(&sse)}</li>
                    }
                </ol>
                <input ref={prompt} placeholder="Ask something" onkeydown={on_key} />
                <button onclick={send.reform(|_| ())} disabled={streaming}>{"Send"}</button>
                <button onclick={stop} disabled={!streaming}>{"Stop"}</button>
                <p class="status">{status(&sse)}</p>
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
