//! The chat endpoints of the real `wasm-sse-server` binary: the demo's `POST /api/chat`
//! (multi-turn, bearer token, resumable), its GET form, and `POST /v1/chat/completions`.

mod common;

use common::*;

const AUTH: (&str, &str) = ("Authorization", "Bearer demo-token");
const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A three-message history: the answer is to the second user message.
const HISTORY: &str = r#"{"conversation":"c1","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"And SSE?"}]}"#;

/// The answer to [`HISTORY`].
const ANSWER: &str = "You asked: \u{201c}And SSE?\u{201d}. This is turn 2 of our conversation, \
    and your request carried all of it (3 messages). Server-Sent Events carry an answer like \
    this one over a single HTTP response: the server writes each token as a data line, and \
    wasm-sse reads them as they arrive, decodes the JSON, delivers it, and closes the stream as \
    soon as the final message arrives.";

/// The answer's tokens (each but the first with its leading space).
fn answer_tokens() -> Vec<String> {
    ANSWER
        .split(' ')
        .enumerate()
        .map(|(i, w)| {
            if i == 0 {
                w.to_owned()
            } else {
                format!(" {w}")
            }
        })
        .collect()
}

fn texts(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| json(&e.data)["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn post_chat_answers_the_whole_history() {
    let server = Server::start();
    let response = server
        .send("POST", "/api/chat?delay=0&run=p", &[AUTH, JSON], HISTORY)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert!(response.complete);
    assert!(response.body.starts_with("retry: 700\n\n"));
    let events = events(&response.body);
    let tokens = answer_tokens();
    assert_eq!(texts(&events), tokens);
    assert_eq!(tokens[..3], ["You", " asked:", " \u{201c}And"]);
    let count = tokens.len();
    for (index, event) in events.iter().enumerate() {
        let last = index + 1 == count;
        let expected = format!(
            r#"{{"index":{index},"text":{},"status":{}}}"#,
            serde_json::to_string(&tokens[index]).unwrap(),
            u8::from(last)
        );
        assert_eq!(event.data, expected);
        assert_eq!(event.id, Some((index + 1).to_string()));
        assert_eq!(event.name, None);
    }

    let stats = server.stats("p").await;
    assert_eq!(stats["methods"], serde_json::json!(["POST"]));
    assert_eq!(stats["bodies"], serde_json::json!([HISTORY]));
    assert_eq!(
        stats["authorizations"],
        serde_json::json!(["Bearer demo-token"])
    );
    assert_eq!(stats["disconnects"], 0);
}

#[tokio::test]
async fn post_chat_wants_the_demo_token() {
    let server = Server::start();
    let expected = r#"{"error":{"message":"invalid token: the demo accepts Bearer demo-token","type":"invalid_request_error"}}"#;
    let cases = [
        &[JSON][..],
        &[JSON, ("Authorization", "Bearer wrong")][..],
        &[JSON, ("Authorization", "demo-token")][..],
    ];
    for headers in cases {
        let refused = server.send("POST", "/api/chat", headers, HISTORY).await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.header("content-type"), Some("application/json"));
        assert_eq!(refused.body, expected);
    }
    // The `token` parameter names the accepted token instead.
    let custom = [JSON, ("Authorization", "Bearer t0k")];
    let ok = server
        .send("POST", "/api/chat?token=t0k&delay=0", &custom, HISTORY)
        .await;
    assert_eq!(ok.status, 200);
    let refused = server
        .send("POST", "/api/chat?token=t0k", &[AUTH, JSON], HISTORY)
        .await;
    assert_eq!(refused.status, 401);
}

#[tokio::test]
async fn post_chat_refuses_a_bad_body() {
    let server = Server::start();
    let bodies = [
        ("not json", "the body must be JSON"),
        (r#"{"messages":[]}"#, "missing field `conversation`"),
        (r#"{"conversation":"c","messages":[]}"#, "messages is empty"),
        (
            r#"{"conversation":"c","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}"#,
            "the last message must be from the user",
        ),
        (
            r#"{"conversation":"c","messages":[{"role":"robot","content":"a"}]}"#,
            "unknown variant `robot`",
        ),
    ];
    for (body, says) in bodies {
        let refused = server.send("POST", "/api/chat", &[AUTH, JSON], body).await;
        assert_eq!(refused.status, 400, "{body}");
        assert_eq!(refused.header("content-type"), Some("application/json"));
        let error = json(&refused.body);
        assert_eq!(error["error"]["type"], "invalid_request_error");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {message}");
    }
}

#[tokio::test]
async fn post_chat_modes() {
    let server = Server::start();
    let post = |mode: &'static str| {
        let path = format!("/api/chat?delay=0&mode={mode}");
        let server = &server;
        async move { server.send("POST", &path, &[AUTH, JSON], HISTORY).await }
    };
    let count = answer_tokens().len();

    let done = post("done-event").await;
    let named = events(&done.body);
    assert_eq!(named.len(), count + 1);
    assert!(named[..count]
        .iter()
        .all(|e| e.name.as_deref() == Some("token") && json(&e.data)["status"] == 0));
    assert_eq!(named[count].name.as_deref(), Some("done"));
    assert_eq!(named[count].id, Some((count + 1).to_string()));

    let sentinel = post("sentinel").await;
    assert!(sentinel.body.ends_with("\n\ndata: [DONE]\n\n"));
    let plain = events(&sentinel.body);
    assert_eq!(plain.len(), count + 1);
    assert_eq!(json(&plain[0].data).get("status"), None);

    let invalid = post("invalid-json").await;
    let mixed = events(&invalid.body);
    assert_eq!(mixed.len(), count + 1);
    assert_eq!(mixed[count / 2].data, "{\"index\": oops");
    assert_eq!(mixed[count / 2].id, None);

    let error = post("error").await;
    assert_eq!(error.status, 500);
    assert_eq!(error.body, "the assistant is unavailable\n");
}

#[tokio::test]
async fn post_chat_drop_resumes_the_same_answer() {
    let server = Server::start();
    let path = "/api/chat?delay=0&mode=drop&run=d";
    let first = server.send("POST", path, &[AUTH, JSON], HISTORY).await;
    assert_eq!(first.status, 200);
    assert!(!first.complete, "the first request is cut");
    let got = events(&first.body);
    let tokens = answer_tokens();
    assert_eq!(got.len(), tokens.len() / 2);
    let last_id = got.last().unwrap().id.clone().unwrap();

    let headers = [AUTH, JSON, ("Last-Event-ID", last_id.as_str())];
    let resumed = server.send("POST", path, &headers, HISTORY).await;
    assert_eq!(resumed.status, 200);
    assert!(resumed.complete);
    let rest = events(&resumed.body);
    assert_eq!(rest[0].id, Some((got.len() + 1).to_string()));
    let mut all = texts(&got);
    all.extend(texts(&rest));
    assert_eq!(all.concat(), ANSWER);
    assert_eq!(all, tokens);
    assert_eq!(json(&rest.last().unwrap().data)["status"], 1);

    // Another request for the same turn is not cut again; the next turn's first one is.
    let again = server.send("POST", path, &[AUTH, JSON], HISTORY).await;
    assert!(again.complete);
    assert_eq!(texts(&events(&again.body)).concat(), ANSWER);
    let next_turn = HISTORY.replace(
        r#"]}"#,
        r#",{"role":"assistant","content":"..."},{"role":"user","content":"Bye"}]}"#,
    );
    let cut = server.send("POST", path, &[AUTH, JSON], &next_turn).await;
    assert!(!cut.complete);
    let cut = texts(&events(&cut.body)).concat();
    assert!(cut.starts_with("You asked: \u{201c}Bye\u{201d}. This is turn 3"));

    let stats = server.stats("d").await;
    assert_eq!(
        stats["last_event_ids"],
        serde_json::json!(["", last_id, "", ""])
    );
    assert_eq!(
        stats["methods"],
        serde_json::json!(["POST", "POST", "POST", "POST"])
    );
}

#[tokio::test]
async fn get_chat_is_unchanged() {
    let server = Server::start();
    let response = server.get("/api/chat?q=hi&delay=0&run=g", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-request-count"), None);
    let events = events(&response.body);
    let text = texts(&events).concat();
    assert!(text.starts_with("You asked: \u{201c}hi\u{201d}. Server-Sent Events carry"));
    assert!(text.ends_with("could make the browser reconnect."));
    assert_eq!(events[1].data, r#"{"index":1,"text":" asked:","status":0}"#);
    assert_eq!(json(&events.last().unwrap().data)["status"], 1);

    let alias = server
        .send("POST", "/sse/chat?q=hi&delay=0&run=g", &[], "ignored")
        .await;
    assert_eq!(alias.header("x-request-count"), Some("2"));
    assert_eq!(texts(&events_of(&alias)).concat(), text);

    let dropped = server
        .get("/api/chat?q=hi&delay=0&mode=drop&run=g", &[])
        .await;
    assert!(!dropped.complete);
    let stats = server.stats("g").await;
    assert_eq!(stats["methods"], serde_json::json!(["GET", "POST", "GET"]));
}

fn events_of(response: &Response) -> Vec<Event> {
    events(&response.body)
}

/// The chunks of an OpenAI-style stream: each `data:` payload, `[DONE]` included.
fn data_lines(body: &str) -> Vec<String> {
    assert!(body.ends_with("\n\n"));
    body.split_terminator("\n\n")
        .map(|block| {
            let data = block.strip_prefix("data: ");
            let data = data.unwrap_or_else(|| panic!("not a data-only block: {block:?}"));
            assert!(!data.contains('\n'), "one line per block: {block:?}");
            data.to_owned()
        })
        .collect()
}

#[tokio::test]
async fn openai_streams_completion_chunks() {
    let server = Server::start();
    let body = HISTORY.replace(
        r#"{"conversation":"c1","#,
        r#"{"model":"demo-1","stream":true,"temperature":0.5,"#,
    );
    let response = server
        .send(
            "POST",
            "/v1/chat/completions?delay=0&run=o",
            &[AUTH, JSON],
            &body,
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert!(response.complete);
    assert!(!response.body.contains("\nid:") && !response.body.starts_with("id:"));
    assert!(!response.body.contains("event:"));
    let lines = data_lines(&response.body);
    assert_eq!(lines.last().map(String::as_str), Some("[DONE]"));
    let chunks: Vec<serde_json::Value> = lines[..lines.len() - 1]
        .iter()
        .map(|line| json(line))
        .collect();
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"));
    let created = chunks[0]["created"].as_u64().unwrap();
    assert!(created > 1_700_000_000);
    let first = &lines[0];
    assert_eq!(
        *first,
        format!(
            r#"{{"id":"{id}","object":"chat.completion.chunk","created":{created},"model":"demo-1","choices":[{{"index":0,"delta":{{"role":"assistant","content":""}},"finish_reason":null}}]}}"#
        )
    );
    for chunk in &chunks {
        assert_eq!(chunk["id"], id);
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "demo-1");
        assert_eq!(chunk["choices"].as_array().unwrap().len(), 1);
        assert_eq!(chunk["choices"][0]["index"], 0);
    }
    let content = &chunks[1..chunks.len() - 1];
    let tokens: Vec<&str> = content
        .iter()
        .map(|c| {
            assert_eq!(c["choices"][0]["finish_reason"], serde_json::Value::Null);
            assert_eq!(c["choices"][0]["delta"].as_object().unwrap().len(), 1);
            c["choices"][0]["delta"]["content"].as_str().unwrap()
        })
        .collect();
    assert_eq!(tokens, answer_tokens());
    assert_eq!(tokens.concat(), ANSWER);
    let stop = &chunks[chunks.len() - 1]["choices"][0];
    assert_eq!(stop["delta"], serde_json::json!({}));
    assert_eq!(stop["finish_reason"], "stop");

    let stats = server.stats("o").await;
    assert_eq!(stats["methods"], serde_json::json!(["POST"]));
    assert_eq!(stats["bodies"], serde_json::json!([body]));
}

#[tokio::test]
async fn openai_refuses_a_bad_key_and_non_streaming() {
    let server = Server::start();
    let body = r#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
    for headers in [&[JSON][..], &[JSON, ("Authorization", "Bearer nope")][..]] {
        let refused = server
            .send("POST", "/v1/chat/completions", headers, body)
            .await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.header("content-type"), Some("application/json"));
        assert_eq!(
            refused.body,
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        );
    }
    let not_streaming = body.replace("true", "false");
    let refused = server
        .send(
            "POST",
            "/v1/chat/completions",
            &[AUTH, JSON],
            &not_streaming,
        )
        .await;
    assert_eq!(refused.status, 400);
    let error = json(&refused.body);
    assert_eq!(error["error"]["type"], "invalid_request_error");
    assert_eq!(error["error"]["param"], "stream");
    assert_eq!(error["error"]["code"], serde_json::Value::Null);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only streaming is supported"));
    let refused = server
        .send("POST", "/v1/chat/completions", &[AUTH, JSON], "{")
        .await;
    assert_eq!(refused.status, 400);
    // Content parts count as text; the `token` parameter names another key.
    let parts = r#"{"model":"m","stream":true,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"h"},{"type":"text","text":"i"}]}]}"#;
    let ok = server
        .send(
            "POST",
            "/v1/chat/completions?delay=0&token=k",
            &[JSON, ("Authorization", "Bearer k")],
            parts,
        )
        .await;
    assert_eq!(ok.status, 200);
    let lines = data_lines(&ok.body);
    let text: String = lines[1..lines.len() - 2]
        .iter()
        .map(|line| {
            json(line)["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(text.starts_with(
        "You asked: \u{201c}hi\u{201d}. This is turn 1 of our conversation, and your request \
         carried all of it (2 messages)."
    ));
}

#[tokio::test]
async fn chat_preflights_allow_the_token_and_json() {
    let server = Server::start();
    let origin = ("Origin", "http://127.0.0.1:9999");
    let requested = (
        "Access-Control-Request-Headers",
        "authorization,content-type",
    );
    let method = ("Access-Control-Request-Method", "POST");
    for path in ["/api/chat", "/v1/chat/completions"] {
        let preflight = server
            .request("OPTIONS", path, &[origin, method, requested])
            .await;
        assert_eq!(preflight.status, 204, "{path}");
        assert_eq!(
            preflight.header("access-control-allow-headers"),
            Some("authorization,content-type")
        );
        assert!(preflight
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST"));
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            Some("http://127.0.0.1:9999")
        );
    }
    let refused = server
        .send("POST", "/api/chat", &[origin, JSON], HISTORY)
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
}
