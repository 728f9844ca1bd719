//! The Yew hook in a real browser (Chromium), mounted against the SSE test server.
//! Run by `cargo xtask test`: `cargo test --target wasm32-unknown-unknown --features yew --test yew_hooks`.
#![cfg(all(target_arch = "wasm32", feature = "yew"))]

mod common;

use common::*;
use wasm_bindgen_test::*;
use wasm_sse::yew::{use_sse, use_sse_with_options, UseSseHandle, UseSseOptions};
use wasm_sse::{FailReason, Share, SseOptions};
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Records what the component rendered; equal to any other, so it never re-renders anything.
#[derive(Clone, Default)]
struct Probe(Log);

impl PartialEq for Probe {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Properties, PartialEq)]
struct Props {
    url: AttrValue,
    #[prop_or(true)]
    keep: bool,
    #[prop_or(true)]
    immediate: bool,
    probe: Probe,
    /// Changed to make the component render again.
    #[prop_or(0)]
    tick: u32,
}

/// `"Open"`, `"Closed Completed"`, `"Connecting reconnecting 1"`: what a status line shows.
fn describe(sse: &UseSseHandle<Chunk>) -> String {
    let mut text = format!("{:?}", sse.ready_state());
    if let Some(reason) = sse.close_reason() {
        text += &format!(" {reason:?}");
    }
    if let Some(info) = sse.reconnecting() {
        text += &format!(" reconnecting {}", info.attempt);
    }
    text
}

/// The streaming answer: every chunk if `keep`, else the latest one.
#[component]
fn Answer(props: &Props) -> Html {
    let options =
        UseSseOptions::new(|| SseOptions::<Chunk>::json().complete_when(|token| token.status == 1))
            .keep_messages(props.keep)
            .immediate(props.immediate);
    let sse = use_sse_with_options(&props.url, options);
    let state = describe(&sse);
    props.probe.0.push_changed(state.clone());
    let text: String = if props.keep {
        sse.messages()
            .iter()
            .map(|m| m.data.text.as_str())
            .collect()
    } else {
        sse.data()
            .map(|token| token.text.clone())
            .unwrap_or_default()
    };
    let error = sse.error().map(|e| e.to_string()).unwrap_or_default();
    let close = {
        let sse = sse.clone();
        move |_| sse.close()
    };
    let reconnect = {
        let sse = sse.clone();
        move |_| sse.reconnect()
    };
    html! {
        <div>
            <p class="state">{state}</p>
            <p class="text">{text}</p>
            <p class="count">{sse.messages().len()}</p>
            <p class="error">{error}</p>
            <button class="close" onclick={close}>{"Stop"}</button>
            <button class="reconnect" onclick={reconnect}>{"Again"}</button>
        </div>
    }
}

/// Waits until the component has rendered at least `count` messages.
async fn wait_for_messages(div: &web_sys::HtmlElement, count: usize) {
    let rendered = || text_of(div, ".count").parse::<usize>().unwrap_or(0);
    wait_until(&format!("{count} messages"), 5000, || rendered() >= count).await;
}

fn mount(url: &str, probe: &Probe) -> (web_sys::HtmlElement, yew::AppHandle<Answer>) {
    mount_with(Props {
        url: url.to_owned().into(),
        keep: true,
        immediate: true,
        probe: probe.clone(),
        tick: 0,
    })
}

fn mount_with(props: Props) -> (web_sys::HtmlElement, yew::AppHandle<Answer>) {
    let div = fresh_div();
    let app = yew::Renderer::<Answer>::with_root_and_props(div.clone().into(), props).render();
    (div, app)
}

#[wasm_bindgen_test]
async fn the_streamed_text_renders_and_the_completion_shows() {
    let (run, probe) = (run_id("yew-basic"), Probe::default());
    let (div, app) = mount(&url("basic", &run, ""), &probe);
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(text_of(&div, ".text"), "Hello, world!");
    assert_eq!(text_of(&div, ".count"), "4");
    assert_eq!(text_of(&div, ".error"), "");
    assert_eq!(
        probe.0.entries(),
        strings(&["Connecting", "Open", "Closed Completed"]),
        "the states the component rendered"
    );
    assert_eq!(
        stats(&run).await.requests,
        1,
        "a completion does not reconnect"
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn renders_and_forced_collections_while_it_streams_do_not_cut_it_short() {
    let (run, probe) = (run_id("yew-gc"), Probe::default());
    let stream = url("basic", &run, "count=40&delay=20");
    let props = |tick| Props {
        url: stream.clone().into(),
        keep: true,
        immediate: true,
        probe: probe.clone(),
        tick,
    };
    let (div, mut app) = mount_with(props(0));
    let mut tick = 0;
    while text_of(&div, ".state") != "Closed Completed" {
        assert!(
            tick < 500,
            "no completion after {tick} renders: {}",
            text_of(&div, ".state")
        );
        tick += 1;
        app.update(props(tick));
        force_gc();
        sleep(10).await;
    }
    assert_eq!(text_of(&div, ".count"), "40", "every message");
    let seen = stats(&run).await;
    assert_eq!(
        (seen.requests, seen.disconnects),
        (1, 0),
        "one request, not closed early"
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn without_keep_messages_only_the_latest_message_is_kept() {
    let (run, probe) = (run_id("yew-latest"), Probe::default());
    let (div, app) = mount_with(Props {
        url: url("trickle", &run, "count=3&interval=30").into(),
        keep: false,
        immediate: true,
        probe: probe.clone(),
        tick: 0,
    });
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;

    assert_eq!(
        text_of(&div, ".text"),
        " world",
        "the last message of three"
    );
    assert_eq!(text_of(&div, ".count"), "0", "no list unless asked for");
    app.destroy();
}

#[wasm_bindgen_test]
async fn the_chat_answer_streams_in() {
    let (run, probe) = (run_id("yew-chat"), Probe::default());
    let (div, app) = mount(&chat_url("hi there", &run, "delay=2"), &probe);
    wait_for_text(&div, ".state", "Closed Completed", 10_000).await;

    let text = text_of(&div, ".text");
    assert!(
        text.starts_with("You asked: \u{201c}hi there\u{201d}. Server-Sent Events"),
        "{text}"
    );
    assert!(
        text.ends_with("could make the browser reconnect."),
        "{text}"
    );
    assert_eq!(stats(&run).await.requests, 1);
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_lost_connection_shows_reconnecting_then_resumes() {
    let (run, probe) = (run_id("yew-resume"), Probe::default());
    let (div, app) = mount(&url("resume", &run, ""), &probe);
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;

    assert_eq!(text_of(&div, ".text"), "Hello, world! How are");
    assert_eq!(
        probe.0.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Connecting reconnecting 1",
            "Open",
            "Closed Completed",
        ])
    );
    assert_eq!(stats(&run).await.requests, 2);
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_refused_stream_fails_without_retrying() {
    let (run, probe) = (run_id("yew-500"), Probe::default());
    let (div, app) = mount(&url("status/500", &run, ""), &probe);
    wait_for_text(&div, ".state", "Closed Failed(Refused)", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&div, ".error"),
        wasm_sse::SseError::Failed(FailReason::Refused).to_string()
    );
    assert_eq!(
        probe.0.entries(),
        strings(&["Connecting", "Closed Failed(Refused)"])
    );
    assert_eq!(stats(&run).await.requests, 1);
    app.destroy();
}

#[wasm_bindgen_test]
async fn unmounting_closes_the_connection() {
    let (run, probe) = (run_id("yew-unmount"), Probe::default());
    let (div, app) = mount(&url("endless", &run, ""), &probe);
    wait_for_messages(&div, 2).await;
    assert_eq!(text_of(&div, ".state"), "Open");
    app.destroy();

    let stats = wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    assert_eq!(stats.requests, 1);
    sleep(NO_RECONNECT_GRACE_MS).await;
    assert_eq!(
        self::stats(&run).await.requests,
        1,
        "nothing reconnects after unmount"
    );
}

#[wasm_bindgen_test]
async fn close_disconnects_and_reconnect_starts_afresh() {
    let (run, probe) = (run_id("yew-close"), Probe::default());
    let (div, app) = mount(&url("endless", &run, ""), &probe);
    wait_for_messages(&div, 1).await;

    click(&div, ".close");
    wait_for_text(&div, ".state", "Closed Disconnected", 2000).await;
    wait_for_stats(&run, "the client go away", |s| s.disconnects == 1).await;
    let count = text_of(&div, ".count");
    sleep(200).await;
    assert_eq!(
        text_of(&div, ".count"),
        count,
        "nothing arrives after close"
    );

    click(&div, ".reconnect");
    wait_until("a fresh list", 5000, || {
        text_of(&div, ".state") == "Open" && text_of(&div, ".count") == "1"
    })
    .await;
    assert_eq!(stats(&run).await.requests, 2);
    assert_eq!(
        probe.0.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Closed Disconnected",
            "Connecting",
            "Open"
        ])
    );
    app.destroy();
    wait_for_stats(&run, "the second client go away", |s| s.disconnects == 2).await;
}

#[wasm_bindgen_test]
async fn a_new_url_closes_the_old_connection_and_opens_the_new_one() {
    let (first, second) = (run_id("yew-url-1"), run_id("yew-url-2"));
    let probe = Probe::default();
    let (div, mut app) = mount(&url("endless", &first, ""), &probe);
    wait_for_messages(&div, 1).await;

    app.update(Props {
        url: url("basic", &second, "").into(),
        keep: true,
        immediate: true,
        probe: probe.clone(),
        tick: 0,
    });
    wait_for_stats(&first, "the first client go away", |s| s.disconnects == 1).await;
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    assert_eq!(
        text_of(&div, ".text"),
        "Hello, world!",
        "only the new stream's text"
    );
    assert_eq!(stats(&first).await.requests, 1);
    assert_eq!(stats(&second).await.requests, 1);
    let entries = probe.0.entries();
    assert_eq!(
        entries[entries.len() - 3..],
        strings(&["Connecting", "Open", "Closed Completed"])
    );
    app.destroy();
}

#[wasm_bindgen_test]
async fn without_immediate_nothing_connects_until_reconnect() {
    let (run, probe) = (run_id("yew-lazy"), Probe::default());
    let (div, app) = mount_with(Props {
        url: url("basic", &run, "").into(),
        keep: true,
        immediate: false,
        probe: probe.clone(),
        tick: 0,
    });
    sleep(300).await;
    assert_eq!(text_of(&div, ".state"), "Closed");
    assert_eq!(stats(&run).await.requests, 0);

    click(&div, ".reconnect");
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(&div, ".text"), "Hello, world!");
    assert_eq!(stats(&run).await.requests, 1);
    app.destroy();
}

/// The short form, with text decoding and the user's own callback still called.
#[component]
fn Plain(props: &PlainProps) -> Html {
    let seen = props.seen.clone();
    let sse = use_sse(&props.url, move || {
        let seen = seen.clone();
        SseOptions::text()
            .on_message(move |message| seen.0.push(message.data))
            .done_data("[DONE]")
    });
    html! {
        <p class="text">{ sse.data().cloned().unwrap_or_default() }</p>
    }
}

#[derive(Properties, PartialEq)]
struct PlainProps {
    url: AttrValue,
    seen: Probe,
}

#[wasm_bindgen_test]
async fn use_sse_keeps_the_users_callbacks_and_the_core_completion_rules() {
    let (run, seen) = (run_id("yew-plain"), Probe::default());
    let div = fresh_div();
    let props = PlainProps {
        url: url("sentinel", &run, "count=2").into(),
        seen: seen.clone(),
    };
    let app = yew::Renderer::<Plain>::with_root_and_props(div.clone().into(), props).render();
    wait_until("two messages", 5000, || seen.0.len() == 2).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        seen.0.entries(),
        strings(&[r#"{"index":0,"text":"Hello"}"#, r#"{"index":1,"text":","}"#]),
        "the user's on_message saw every message, and not the sentinel"
    );
    assert_eq!(text_of(&div, ".text"), r#"{"index":1,"text":","}"#);
    assert_eq!(
        stats(&run).await.requests,
        1,
        "the sentinel completed the stream"
    );
    app.destroy();
}

// On the fetch transport: a POST with a body, headers and a token getter.

#[derive(Properties, PartialEq)]
struct PostProps {
    url: AttrValue,
    body: AttrValue,
    /// What the token getter returns, as `Bearer {token}`.
    token: AttrValue,
    /// Changes nothing the hook sees: a re-render with the same URL and body.
    #[prop_or_default]
    tick: u32,
    probe: Probe,
}

/// The streaming answer to a POST: every message's text, separated by `|`.
#[component]
fn PostAnswer(props: &PostProps) -> Html {
    let token = props.token.clone();
    let options = UseSseOptions::new(move || {
        let token = token.clone();
        SseOptions::<Chunk>::json()
            .method("POST")
            .header("X-Test", "hook")
            .header_with("Authorization", move || {
                let bearer = format!("Bearer {token}");
                async move { bearer }
            })
            .complete_when(|chunk| chunk.status == 1)
    })
    .body(props.body.as_str())
    .keep_messages(true);
    let sse = use_sse_with_options(&props.url, options);
    let state = describe(&sse);
    props.probe.0.push_changed(state.clone());
    let texts: Vec<&str> = sse
        .messages()
        .iter()
        .map(|m| m.data.text.as_str())
        .collect();
    let error = sse.error().map(|e| e.to_string()).unwrap_or_default();
    html! {
        <div>
            <p class="state">{state}</p>
            <p class="texts">{texts.join("|")}</p>
            <p class="count">{sse.messages().len()}</p>
            <p class="error">{error}</p>
            <p class="tick">{props.tick}</p>
        </div>
    }
}

fn post_props(url: String, body: &str, token: &str, probe: &Probe) -> PostProps {
    PostProps {
        url: url.into(),
        body: body.to_owned().into(),
        token: token.to_owned().into(),
        tick: 0,
        probe: probe.clone(),
    }
}

fn mount_post(props: PostProps) -> (web_sys::HtmlElement, yew::AppHandle<PostAnswer>) {
    let div = fresh_div();
    let app = yew::Renderer::<PostAnswer>::with_root_and_props(div.clone().into(), props).render();
    (div, app)
}

#[wasm_bindgen_test]
async fn a_post_sends_its_method_headers_token_and_body() {
    let (run, probe) = (run_id("yew-post"), Probe::default());
    let body = r#"{"messages":[{"role":"user","content":"hi"}]}"#;
    let (div, app) = mount_post(post_props(url("mirror", &run, ""), body, "t0k", &probe));
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&div, ".texts"),
        format!("POST|Bearer t0k|hook|{body}"),
        "what the server saw, streamed back"
    );
    assert_eq!(
        probe.0.entries(),
        strings(&["Connecting", "Open", "Closed Completed"])
    );
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.methods, ["POST"]);
    assert_eq!(stats.bodies, [body]);
    assert_eq!(stats.authorizations, ["Bearer t0k"]);
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_401_fails_at_once_with_the_servers_message() {
    let (run, probe) = (run_id("yew-401"), Probe::default());
    let (div, app) = mount_post(post_props(url("auth", &run, ""), "{}", "wrong", &probe));
    let body = r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#;
    let reason = FailReason::Http {
        status: 401,
        body: body.into(),
    };
    wait_for_text(&div, ".state", &format!("Closed Failed({reason:?})"), 5000).await;
    sleep(NO_RECONNECT_GRACE_MS).await;

    assert_eq!(
        text_of(&div, ".error"),
        wasm_sse::SseError::Failed(reason.clone()).to_string()
    );
    assert_eq!(
        probe.0.entries(),
        vec![
            "Connecting".to_string(),
            format!("Closed Failed({reason:?})")
        ]
    );
    let stats = stats(&run).await;
    assert_eq!(stats.requests, 1, "a 401 is not retried");
    assert_eq!(stats.authorizations, ["Bearer wrong"]);
    app.destroy();

    let (run, probe) = (run_id("yew-auth"), Probe::default());
    let (div, app) = mount_post(post_props(url("auth", &run, ""), "{}", "secret", &probe));
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(&div, ".texts"), "Hello|,| world|!");
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_dropped_post_resumes_with_the_same_body_and_last_event_id() {
    let (run, probe) = (run_id("yew-post-resume"), Probe::default());
    let (div, app) = mount_post(post_props(url("resume", &run, ""), "prompt", "t", &probe));
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;

    assert_eq!(
        text_of(&div, ".texts"),
        "Hello|,| world|!| How| are",
        "nothing lost, nothing repeated"
    );
    assert_eq!(
        probe.0.entries(),
        strings(&[
            "Connecting",
            "Open",
            "Connecting reconnecting 1",
            "Open",
            "Closed Completed",
        ])
    );
    let stats = stats(&run).await;
    assert_eq!(stats.methods, ["POST", "POST"]);
    assert_eq!(stats.bodies, ["prompt", "prompt"]);
    assert_eq!(stats.authorizations, ["Bearer t", "Bearer t"]);
    assert_eq!(stats.last_event_ids, ["", "3"]);
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_new_body_makes_a_new_connection_and_the_same_body_does_not() {
    let (run, probe) = (run_id("yew-body"), Probe::default());
    let endless = url("endless", &run, "");
    let (div, mut app) = mount_post(post_props(endless.clone(), "first", "t", &probe));
    wait_for_messages(&div, 1).await;

    // A re-render with the same URL and body keeps the connection.
    app.update(PostProps {
        tick: 1,
        ..post_props(endless.clone(), "first", "t", &probe)
    });
    wait_for_text(&div, ".tick", "1", 2000).await;
    let count = text_of(&div, ".count").parse::<usize>().unwrap();
    sleep(300).await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    assert!(
        text_of(&div, ".count").parse::<usize>().unwrap() > count,
        "the same stream goes on"
    );

    // A new body closes it and opens a new one, with fresh state.
    app.update(post_props(endless.clone(), "second", "t", &probe));
    wait_for_stats(&run, "the first request go away", |s| s.disconnects == 1).await;
    let stats = wait_for_stats(&run, "a second request", |s| s.requests == 2).await;
    assert_eq!(stats.bodies, ["first", "second"]);
    wait_for_messages(&div, 1).await;
    assert_eq!(text_of(&div, ".state"), "Open");
    assert_eq!(
        probe.0.entries(),
        strings(&["Connecting", "Open", "Connecting", "Open"])
    );
    app.destroy();
    wait_for_stats(&run, "the second request go away", |s| s.disconnects == 2).await;
}

// Sharing: several components listening to one stream over one connection.

#[derive(Properties, PartialEq)]
struct SharedProps {
    url: AttrValue,
    /// Share the connection (`Share::Page`), or have one of its own.
    share: bool,
    /// A POST with this body, which sharing refuses.
    #[prop_or_default]
    body: Option<AttrValue>,
    /// Also listens for `tick` events.
    #[prop_or_default]
    ticks: bool,
}

/// Every message's index, comma-separated; the state line, the count and the error.
#[component]
fn Shared(props: &SharedProps) -> Html {
    let (post, ticks) = (props.body.is_some(), props.ticks);
    let mut options = UseSseOptions::new(move || {
        let mut options = SseOptions::<Chunk>::json().complete_when(|chunk| chunk.status == 1);
        if ticks {
            options = options.event("tick");
        }
        if post {
            options.method("POST")
        } else {
            options
        }
    })
    .keep_messages(true);
    if props.share {
        options = options.share(Share::Page);
    }
    if let Some(body) = &props.body {
        options = options.body(body.as_str());
    }
    let sse = use_sse_with_options(&props.url, options);
    let indexes: Vec<String> = sse
        .messages()
        .iter()
        .map(|m| m.data.index.to_string())
        .collect();
    let error = sse.error().map(|e| e.to_string()).unwrap_or_default();
    let close = {
        let sse = sse.clone();
        move |_| sse.close()
    };
    let reconnect = {
        let sse = sse.clone();
        move |_| sse.reconnect()
    };
    html! {
        <div>
            <p class="state">{describe(&sse)}</p>
            <p class="indexes">{indexes.join(",")}</p>
            <p class="count">{sse.messages().len()}</p>
            <p class="error">{error}</p>
            <button class="close" onclick={close}>{"Stop"}</button>
            <button class="reconnect" onclick={reconnect}>{"Again"}</button>
        </div>
    }
}

fn mount_shared(props: SharedProps) -> (web_sys::HtmlElement, yew::AppHandle<Shared>) {
    let div = fresh_div();
    let app = yew::Renderer::<Shared>::with_root_and_props(div.clone().into(), props).render();
    (div, app)
}

fn shared(url: &str, share: bool) -> SharedProps {
    SharedProps {
        url: url.to_owned().into(),
        share,
        body: None,
        ticks: false,
    }
}

fn count(div: &web_sys::HtmlElement) -> usize {
    text_of(div, ".count").parse().unwrap_or(0)
}

/// The indexes a component showed follow each other, with no gap and no repeat.
fn assert_gapless(div: &web_sys::HtmlElement) {
    let indexes: Vec<u32> = text_of(div, ".indexes")
        .split(',')
        .filter_map(|i| i.parse().ok())
        .collect();
    assert!(indexes.windows(2).all(|w| w[1] == w[0] + 1), "{indexes:?}");
}

#[wasm_bindgen_test]
async fn three_shared_components_cost_one_connection_until_the_last_unmounts() {
    let run = run_id("yew-share");
    let endless = url("endless", &run, "interval=50");
    let mut apps: Vec<_> = (0..3)
        .map(|_| mount_shared(shared(&endless, true)))
        .collect();
    for (div, _) in &apps {
        wait_until("3 messages in each component", 5000, || count(div) >= 3).await;
        assert_eq!(text_of(div, ".state"), "Open");
        assert_eq!(text_of(div, ".error"), "");
        assert_gapless(div);
    }
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");

    // close() unsubscribes that component only; reconnect() subscribes it again.
    let first = &apps[0].0;
    click(first, ".close");
    wait_for_text(first, ".state", "Closed Disconnected", 2000).await;
    let closed_at = count(first);
    click(first, ".reconnect");
    wait_until("the first component back, with a fresh list", 5000, || {
        text_of(first, ".state") == "Open" && (1..closed_at).contains(&count(first))
    })
    .await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");

    // Two unmount: the third still listens, on the same request.
    let (last_div, last_app) = apps.pop().unwrap();
    for (_, app) in apps {
        app.destroy();
    }
    let before = count(&last_div);
    sleep(300).await;
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    assert!(
        count(&last_div) > before,
        "the stream goes on for the third"
    );
    assert_eq!(text_of(&last_div, ".state"), "Open");
    assert_gapless(&last_div);

    // The last one unmounts: the client goes.
    last_app.destroy();
    let stats = wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
    assert_eq!(stats.requests, 1);
    sleep(NO_RECONNECT_GRACE_MS).await;
    assert_eq!(self::stats(&run).await.requests, 1, "nothing reconnects");
}

#[wasm_bindgen_test]
async fn shared_components_listening_for_different_named_events_cost_one_connection() {
    let run = run_id("yew-share-names");
    // Unnamed, tick and alert events in turn.
    let mixed = url("mixed", &run, "interval=20");
    let (plain_div, plain) = mount_shared(shared(&mixed, true));
    // Open first, so a tick listener must be added to a connection that exists.
    wait_until("the first message", 5000, || count(&plain_div) >= 1).await;
    let (ticks_div, ticks) = mount_shared(SharedProps {
        ticks: true,
        ..shared(&mixed, true)
    });
    for div in [&plain_div, &ticks_div] {
        wait_until("4 messages in each component", 5000, || count(div) >= 4).await;
    }
    let shown = |div| text_of(div, ".indexes");
    assert!(
        shown(&plain_div).starts_with("0,3,6,9"),
        "{}",
        shown(&plain_div)
    );
    let ticks_seen: Vec<u32> = shown(&ticks_div)
        .split(',')
        .filter_map(|i| i.parse().ok())
        .collect();
    assert!(
        ticks_seen.iter().all(|i| i % 3 != 2),
        "no alerts: {ticks_seen:?}"
    );
    assert!(
        ticks_seen.iter().any(|i| i % 3 == 1),
        "ticks: {ticks_seen:?}"
    );
    let stats = self::stats(&run).await;
    assert_eq!((stats.requests, stats.disconnects), (1, 0), "{stats:?}");
    plain.destroy();
    ticks.destroy();
    wait_for_stats(&run, "the client go", |s| s.disconnects == 1).await;
}

#[wasm_bindgen_test]
async fn a_component_that_does_not_share_has_its_own_connection() {
    let run = run_id("yew-share-not");
    let endless = url("endless", &run, "interval=50");
    let (own_div, own) = mount_shared(shared(&endless, false));
    let (a_div, a) = mount_shared(shared(&endless, true));
    let (b_div, b) = mount_shared(shared(&endless, true));
    for div in [&own_div, &a_div, &b_div] {
        wait_until("2 messages in each component", 5000, || count(div) >= 2).await;
    }
    let stats = self::stats(&run).await;
    assert_eq!(
        (stats.requests, stats.disconnects),
        (2, 0),
        "its own, and one for the two that share: {stats:?}"
    );
    own.destroy();
    wait_for_stats(&run, "its own connection close", |s| s.disconnects == 1).await;
    a.destroy();
    b.destroy();
    let stats = wait_for_stats(&run, "the shared one close", |s| s.disconnects == 2).await;
    assert_eq!(stats.requests, 2);
}

#[wasm_bindgen_test]
async fn a_shared_hook_with_a_body_shows_the_refusal() {
    let run = run_id("yew-share-body");
    let (div, app) = mount_shared(SharedProps {
        body: Some("prompt".into()),
        ..shared(&url("endless", &run, ""), true)
    });
    wait_until("an error", 2000, || !text_of(&div, ".error").is_empty()).await;
    assert!(
        text_of(&div, ".error").starts_with("invalid options: sharing is GET-only"),
        "{}",
        text_of(&div, ".error")
    );
    assert_eq!(text_of(&div, ".state"), "Closed");
    sleep(200).await;
    assert_eq!(stats(&run).await.requests, 0);
    app.destroy();
}

#[wasm_bindgen_test]
async fn a_shared_component_completes_on_its_own_rule() {
    let run = run_id("yew-share-complete");
    let (div, app) = mount_shared(shared(&url("basic", &run, ""), true));
    wait_for_text(&div, ".state", "Closed Completed", 5000).await;
    assert_eq!(text_of(&div, ".indexes"), "0,1,2,3");
    sleep(NO_RECONNECT_GRACE_MS).await;
    let stats = stats(&run).await;
    assert_eq!(
        stats.requests, 1,
        "the completion closed the shared connection: {stats:?}"
    );
    app.destroy();
}
