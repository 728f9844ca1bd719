//! A multi-turn chat with wasm-sse's Leptos functions: type a prompt, Send (or Enter), and the
//! whole conversation is POSTed as JSON to the server's `/api/chat` with
//! `Authorization: Bearer …`; the answer streams in, joins the conversation once finished, and
//! the next prompt sends it all again. Stop closes the stream.
//!
//! Run it with `cargo xtask example leptos-chat`, then open the address it prints. The page's
//! own query string goes to the chat endpoint, so `/?mode=drop` shows a dropped connection
//! resuming the same answer from `Last-Event-ID`, and `/?mode=error` a failure; change the token
//! to see the server's own 401 message.

#[cfg(target_arch = "wasm32")]
mod chat {
    use leptos::prelude::*;
    use serde::{Deserialize, Serialize};
    use wasm_sse::leptos::{use_sse_with_options, UseSseOptions, UseSseReturn};
    use wasm_sse::{CloseReason, FailReason, ReadyState, SseError, SseOptions};

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

    #[component]
    pub fn Chat() -> impl IntoView {
        let prompt = RwSignal::new(String::new());
        let token = RwSignal::new(String::from("demo-token"));
        // One conversation per page load; the server keeps each answer by this id, to resume it.
        let id = format!("{:x}", (js_sys::Math::random() * 1e15) as u64);
        // `/api/chat` with the page's own query string (`?mode=drop`, …).
        let url = format!(
            "/api/chat{}",
            window().location().search().unwrap_or_default()
        );
        // The turns sent so far, and the body of the latest request (a new one = a new request).
        let history = RwSignal::new(Vec::<Turn>::new());
        let body = RwSignal::new(String::new());

        let options = UseSseOptions::new(move || {
            SseOptions::<Chunk>::json()
                .method("POST")
                .header("Content-Type", "application/json")
                // Called before every request, reconnections included.
                .header_with("Authorization", move || {
                    let bearer = format!("Bearer {}", token.get_untracked());
                    async move { bearer }
                })
                .complete_when(|chunk| chunk.status == 1)
        })
        .body(body)
        .keep_messages(true)
        // Nothing to send before the first prompt.
        .immediate(false);
        let UseSseReturn {
            ready_state,
            messages,
            error,
            close_reason,
            reconnecting,
            close,
            ..
        } = use_sse_with_options(url, options);
        let answer = move || {
            messages.with(|all| all.iter().map(|m| m.data.text.clone()).collect::<String>())
        };
        let streaming = move || ready_state.get() != ReadyState::Closed;

        let send = move || {
            let text = prompt.get_untracked();
            if text.trim().is_empty() || ready_state.get_untracked() != ReadyState::Closed {
                return;
            }
            let mut turns = history.get_untracked();
            if turns.last().is_some_and(|turn| turn.role == "user") {
                // The previous answer joins the conversation: finished, or stopped with some
                // text; a failed one leaves with its prompt.
                let answer = messages.with_untracked(|all| {
                    all.iter().map(|m| m.data.text.as_str()).collect::<String>()
                });
                let kept = matches!(
                    close_reason.get_untracked(),
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
            history.set(turns);
            prompt.set(String::new());
        };
        let send_on_enter = send.clone();
        let status = move || match (ready_state.get(), close_reason.get()) {
            (ReadyState::Connecting, _) => match reconnecting.get() {
                Some(info) => format!("reconnecting… (attempt {})", info.attempt),
                None => "connecting…".into(),
            },
            (ReadyState::Open, _) => "streaming…".into(),
            (_, Some(CloseReason::Completed)) => "done".into(),
            (_, Some(CloseReason::Disconnected)) => "stopped".into(),
            (_, _) => match error.get() {
                Some(error) => format!("failed: {}", explain(&error)),
                None => "ask me something".to_string(),
            },
        };
        let awaiting = move || history.with(|turns| turns.last().is_some_and(|t| t.role == "user"));
        view! {
            <main>
                <h1>"wasm-sse · Leptos chat"</h1>
                <p class="token">
                    <label>"Token " <input bind:value=token /></label>
                </p>
                <ol class="transcript">
                    <For
                        each=move || history.get().into_iter().enumerate()
                        key=|(i, turn)| (*i, turn.content.clone())
                        let((_, turn))
                    >
                        <li class=format!("turn {}", turn.role)>{turn.content}</li>
                    </For>
                    <Show when=awaiting>
                        <li class="turn assistant">{answer}</li>
                    </Show>
                </ol>
                <input
                    placeholder="Ask something"
                    bind:value=prompt
                    on:keydown=move |event| if event.key() == "Enter" { send_on_enter() }
                />
                <button on:click=move |_| send() disabled=streaming>"Send"</button>
                <button on:click=move |_| close() disabled=move || !streaming()>"Stop"</button>
                <p class="status">{status}</p>
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
