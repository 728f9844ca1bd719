//! Runs the real `wasm-sse-server` binary and checks the bytes and events of its scenarios,
//! using hand-written HTTP/1.1 requests over a plain TCP stream.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use common::*;

#[tokio::test]
async fn basic_sends_the_exact_stream() {
    let server = Server::start();
    let response = server.get("/sse/basic?run=b", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/event-stream"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert!(response.complete);
    let expected = concat!(
        "retry: 100\n\n",
        "id: 1\ndata: {\"index\":0,\"text\":\"Hello\",\"status\":0}\n\n",
        "id: 2\ndata: {\"index\":1,\"text\":\",\",\"status\":0}\n\n",
        "id: 3\ndata: {\"index\":2,\"text\":\" world\",\"status\":0}\n\n",
        "id: 4\ndata: {\"index\":3,\"text\":\"!\",\"status\":1}\n\n",
    );
    assert_eq!(response.body, expected);
    assert_eq!(server.stats("b").await["disconnects"], 0);
}

#[tokio::test]
async fn named_ends_with_a_done_event() {
    let server = Server::start();
    let events = events(&server.get("/sse/named?run=n", &[]).await.body);
    let names: Vec<_> = events.iter().map(|e| e.name.as_deref()).collect();
    assert_eq!(
        names,
        [Some("token"), Some("token"), Some("token"), Some("done")]
    );
    assert_eq!(json(&events[2].data)["text"], " world");
    assert_eq!(events[3].data, r#"{"reason":"stop"}"#);
    assert_eq!(events[3].id.as_deref(), Some("4"));
}

#[tokio::test]
async fn sentinel_ends_with_done_and_has_no_status() {
    let server = Server::start();
    let events = events(&server.get("/sse/sentinel?run=s&count=2", &[]).await.body);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0].data, r#"{"index":0,"text":"Hello"}"#);
    assert_eq!(events[1].data, r#"{"index":1,"text":","}"#);
    assert_eq!(
        events[2],
        Event {
            name: None,
            id: None,
            data: "[DONE]".to_owned()
        }
    );
}

#[tokio::test]
async fn resume_drops_then_continues_from_the_header() {
    let server = Server::start();
    let first = server.get("/sse/resume?run=r", &[]).await;
    assert!(first.body.starts_with("retry: 50\n\n"));
    assert!(!first.complete, "the first response is cut mid-stream");
    assert_eq!(indexes(&events(&first.body)), [0, 1, 2]);

    let second = server
        .get("/sse/resume?run=r", &[("Last-Event-ID", "3")])
        .await;
    assert!(second.complete);
    let events = events(&second.body);
    assert_eq!(indexes(&events), [3, 4, 5]);
    assert_eq!(events[0].id.as_deref(), Some("4"));
    assert_eq!(json(&events[2].data)["status"], 1);

    let stats = server.stats("r").await;
    assert_eq!(stats["requests"], 2);
    assert_eq!(stats["disconnects"], 0, "a deliberate abort is not counted");
    assert_eq!(stats["last_event_ids"], serde_json::json!(["", "3"]));
}

#[tokio::test]
async fn resume_reads_the_query_parameter() {
    let server = Server::start();
    let first = server.get("/sse/resume?run=q&mode=end", &[]).await;
    assert!(first.complete, "mode=end ends the first response cleanly");
    assert_eq!(indexes(&events(&first.body)), [0, 1, 2]);

    let second = server.get("/sse/resume?run=q&lastEventId=2", &[]).await;
    assert_eq!(indexes(&events(&second.body)), [2, 3, 4, 5]);
    let third = server.get("/sse/resume?run=q&param=pos&pos=5", &[]).await;
    assert_eq!(indexes(&events(&third.body)), [5]);

    let stats = server.stats("q").await;
    assert_eq!(
        stats["query_last_event_ids"],
        serde_json::json!(["", "2", "5"])
    );
}

#[tokio::test]
async fn resume_fails_k_times_after_the_drop() {
    let server = Server::start();
    let path = "/sse/resume?run=f&fails=1";
    assert_eq!(server.get(path, &[]).await.status, 200);
    assert_eq!(server.get(path, &[]).await.status, 500);
    assert_eq!(server.get(path, &[]).await.status, 200);
}

#[tokio::test]
async fn cut_off_streams_then_cuts_then_is_gone() {
    let server = Server::start();
    let path = "/sse/cut-off?run=c&count=3&delay=0";
    let first = server.get(path, &[]).await;
    assert!(!first.complete, "the first response is cut");
    let events = events(&first.body);
    assert_eq!(indexes(&events), [0, 1, 2]);
    assert!(
        events.iter().all(|e| json(&e.data)["status"] == 0),
        "none is final"
    );
    assert_eq!(server.get(path, &[]).await.status, 410);
    assert_eq!(server.stats("c").await["requests"], 2);
}

#[tokio::test]
async fn mixed_turns_unnamed_tick_and_alert() {
    let server = Server::start();
    let response = server.get("/sse/mixed?run=m&count=4&interval=0", &[]).await;
    let events = events(&response.body);
    let names: Vec<_> = events.iter().map(|e| e.name.as_deref()).collect();
    assert_eq!(names, [None, Some("tick"), Some("alert"), None]);
    assert_eq!(indexes(&events), [0, 1, 2, 3]);
    assert_eq!(events[3].id.as_deref(), Some("4"));
}

#[tokio::test]
async fn status_and_wrong_type() {
    let server = Server::start();
    let failed = server.get("/sse/status/500?run=x", &[]).await;
    assert_eq!(failed.status, 500);
    assert_eq!(failed.header("access-control-allow-origin"), Some("*"));
    assert!(failed
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(server.get("/sse/status/204", &[]).await.body, "");

    let wrong = server.get("/sse/wrong-type?run=x", &[]).await;
    assert_eq!(wrong.status, 200);
    assert_eq!(wrong.header("content-type"), Some("text/plain"));
    assert_eq!(
        wrong.body,
        "data: {\"index\":0,\"text\":\"x\",\"status\":1}\n\n"
    );

    assert_eq!(server.get("/sse/unknown", &[]).await.status, 404);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(server.get("/sse/fail-then-ok?run=x", &[]).await.status);
    }
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn cors_headers_except_on_no_cors() {
    let server = Server::start();
    let origin = ("Origin", "http://127.0.0.1:9999");
    let basic = server.get("/sse/basic", &[origin]).await;
    assert_eq!(
        basic.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
    assert_eq!(
        basic.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(basic.header("vary"), Some("Origin"));

    let no_cors = server.get("/sse/no-cors", &[origin]).await;
    assert_eq!(no_cors.status, 200);
    assert!(no_cors
        .headers
        .iter()
        .all(|(name, _)| !name.starts_with("access-control-")));
    assert_eq!(events(&no_cors.body).len(), 4);

    let requested = (
        "Access-Control-Request-Headers",
        "authorization,content-type,x-test",
    );
    let preflight = server
        .request("OPTIONS", "/sse/basic", &[origin, requested])
        .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-headers"),
        Some("authorization,content-type,x-test")
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET, POST, PUT, PATCH, DELETE, OPTIONS")
    );
    assert_eq!(preflight.header("access-control-max-age"), Some("600"));
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("http://127.0.0.1:9999")
    );
    let bare = server.request("OPTIONS", "/sse/basic", &[origin]).await;
    assert_eq!(bare.header("access-control-allow-headers"), None);

    for response in [&basic, &preflight] {
        assert_eq!(
            response.header("access-control-expose-headers"),
            Some("Retry-After, X-Request-Count")
        );
    }
}

#[tokio::test]
async fn stats_record_each_request() {
    let server = Server::start();
    server.get("/sse/echo?run=st", &[("Cookie", "a=1")]).await;
    server
        .get("/sse/basic?run=st&lastEventId=7", &[("Last-Event-ID", "2")])
        .await;
    server.get("/sse/status/404?run=st", &[]).await;

    let stats = server.stats("st").await;
    assert_eq!(stats["requests"], 3);
    assert_eq!(stats["disconnects"], 0);
    assert_eq!(stats["last_event_ids"], serde_json::json!(["", "2", ""]));
    assert_eq!(
        stats["query_last_event_ids"],
        serde_json::json!(["", "7", ""])
    );
    assert_eq!(stats["cookies"], serde_json::json!(["a=1", "", ""]));

    let unknown = server.stats("never-used").await;
    assert_eq!(
        unknown,
        serde_json::json!({"requests":0,"disconnects":0,"last_event_ids":[],
            "query_last_event_ids":[],"cookies":[],"methods":[],"bodies":[],
            "authorizations":[],"content_types":[],"accepts":[],"x_tests":[],
            "has_last_event_id":[],"last_event_id_hex":[],"times_ms":[]})
    );
}

#[tokio::test]
async fn endless_counts_a_disconnect() {
    let server = Server::start();
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let request = request_bytes("GET", &server.addr, "/sse/endless?run=e", &[]);
    stream.write_all(request.as_bytes()).await.unwrap();
    // Read until the first message has arrived, then hang up.
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("\"index\":1") {
        let n = timeout(Duration::from_secs(2), stream.read(&mut buffer))
            .await
            .expect("events keep coming")
            .unwrap();
        assert!(n > 0, "the stream does not end by itself");
        seen.extend_from_slice(&buffer[..n]);
    }
    drop(stream);

    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let stats = server.stats("e").await;
        if stats["disconnects"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "disconnect not counted: {stats}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[test]
fn exits_when_stdin_closes() {
    let mut server = Server::start();
    drop(server.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after stdin closed"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One event as a spec-exact parser delivers it: type, data, last event id.
type SpecEvent = (String, String, String);

/// The standard's parsing rules on a whole body (BOM, CR/LF/CRLF, U+FFFD), for the `raw`
/// cases, whose bytes the minimal `events` splitter cannot read.
fn spec_events(bytes: &[u8]) -> Vec<SpecEvent> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        lines.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    let (mut events, mut kind, mut data, mut id) = (Vec::new(), String::new(), None, String::new());
    for line in lines {
        if line.is_empty() {
            if let Some(data) = data.take() {
                let name = if kind.is_empty() { "message" } else { &kind };
                events.push((name.to_owned(), data, id.clone()));
            }
            kind.clear();
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "data" => match &mut data {
                Some(data) => *data = format!("{data}\n{value}"),
                None => data = Some(value.to_owned()),
            },
            "event" => kind = value.to_owned(),
            "id" => id = value.to_owned(),
            _ => {}
        }
    }
    events
}

fn texts(events: &[SpecEvent]) -> Vec<String> {
    events
        .iter()
        .map(|(_, data, _)| json(data)["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn post_mirror_streams_what_reached_the_server() {
    let server = Server::start();
    let headers = [
        ("Authorization", "Bearer abc"),
        ("X-Test", "hello"),
        ("Content-Type", "application/json"),
        ("Accept", "text/event-stream"),
    ];
    let body = r#"{"q":"hi 世界"}"#;
    let response = server
        .send("POST", "/sse/mirror?run=m", &headers, body)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("x-request-count"), Some("1"));
    let events = events(&response.body);
    let texts: Vec<_> = events
        .iter()
        .map(|e| json(&e.data)["text"].clone())
        .collect();
    assert_eq!(texts, ["POST", "Bearer abc", "hello", body]);
    assert_eq!(json(&events[3].data)["status"], 1);
    assert_eq!(events[3].id.as_deref(), Some("4"));

    let plain = server.get("/sse/mirror?run=m", &[]).await;
    assert_eq!(plain.header("x-request-count"), Some("2"));
    let plain: Vec<_> = events_texts(&plain.body);
    assert_eq!(plain, ["GET", "", "", ""]);

    let stats = server.stats("m").await;
    assert_eq!(stats["methods"], serde_json::json!(["POST", "GET"]));
    assert_eq!(stats["bodies"], serde_json::json!([body, ""]));
    assert_eq!(
        stats["authorizations"],
        serde_json::json!(["Bearer abc", ""])
    );
    assert_eq!(
        stats["content_types"],
        serde_json::json!(["application/json", ""])
    );
    assert_eq!(
        stats["accepts"],
        serde_json::json!(["text/event-stream", ""])
    );
    assert_eq!(stats["x_tests"], serde_json::json!(["hello", ""]));
    assert_eq!(
        stats["has_last_event_id"],
        serde_json::json!([false, false])
    );
    let times = stats["times_ms"].as_array().unwrap();
    assert_eq!(times[0], 0);
    assert!(times[1].as_u64().unwrap() < 5000);
}

fn events_texts(body: &str) -> Vec<String> {
    events(body)
        .iter()
        .map(|e| json(&e.data)["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn auth_wants_the_bearer_token() {
    let server = Server::start();
    for headers in [&[][..], &[("Authorization", "Bearer wrong")][..]] {
        let refused = server.send("POST", "/sse/auth?run=a", headers, "x").await;
        assert_eq!(refused.status, 401);
        assert_eq!(refused.header("content-type"), Some("application/json"));
        assert_eq!(
            refused.body,
            r#"{"error":{"message":"invalid token","type":"invalid_request_error"}}"#
        );
    }
    let ok = server
        .get("/sse/auth?run=a", &[("Authorization", "Bearer secret")])
        .await;
    assert_eq!(indexes(&events(&ok.body)), [0, 1, 2, 3]);
    let custom = server
        .send(
            "POST",
            "/sse/auth?run=a&token=t0k",
            &[("Authorization", "Bearer t0k")],
            "{}",
        )
        .await;
    assert_eq!(custom.status, 200);
    assert_eq!(custom.header("x-request-count"), Some("4"));
}

#[tokio::test]
async fn fail_then_ok_takes_a_code_and_retry_after() {
    let server = Server::start();
    let path = "/sse/fail-then-ok?run=r&fails=1&code=429&retry_after=2";
    let failed = server.send("POST", path, &[], "{}").await;
    assert_eq!(failed.status, 429);
    assert_eq!(failed.header("retry-after"), Some("2"));
    assert_eq!(failed.body, "try again\n");
    let ok = server.send("POST", path, &[], "{}").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("x-request-count"), Some("2"));
    assert_eq!(indexes(&events(&ok.body)), [0, 1, 2, 3]);

    let plain = server.get("/sse/fail-then-ok?run=p&fails=1", &[]).await;
    assert_eq!(plain.status, 503);
    assert_eq!(plain.header("retry-after"), None);
}

#[tokio::test]
async fn resume_cut_mid_leaves_half_an_event_on_post() {
    let server = Server::start();
    let path = "/sse/resume?run=c&cut=mid";
    let first = server.send("POST", path, &[], "{}").await;
    assert!(!first.complete);
    assert!(
        // 19 of the 39 bytes of `data: {"index":3,"text":"!","status":0}`.
        first.body.ends_with("\n\nid: 4\ndata: {\"index\":3,\"t"),
        "{:?}",
        first.body
    );
    assert_eq!(indexes(&events(&first.body)[..3]), [0, 1, 2]);

    let second = server
        .send("POST", path, &[("Last-Event-ID", "3")], "{}")
        .await;
    assert!(second.complete);
    assert_eq!(indexes(&events(&second.body)), [3, 4, 5]);
    let stats = server.stats("c").await;
    assert_eq!(stats["methods"], serde_json::json!(["POST", "POST"]));
}

#[tokio::test]
async fn ids_resume_after_a_utf8_last_event_id() {
    let server = Server::start();
    let first = server.get("/sse/ids?run=i", &[]).await;
    assert!(!first.complete);
    let ids: Vec<_> = events(&first.body).into_iter().map(|e| e.id).collect();
    assert_eq!(ids, [Some("第1条".to_owned()), Some("第2条".to_owned())]);

    // The header's value is the id's UTF-8 bytes, as a native EventSource sends it.
    let second = server
        .get("/sse/ids?run=i", &[("Last-Event-ID", "第2条")])
        .await;
    assert!(second.complete);
    let events = events(&second.body);
    assert_eq!(indexes(&events), [2]);
    assert_eq!(events[0].id.as_deref(), Some("第3条"));
    assert_eq!(json(&events[0].data)["status"], 1);

    let unknown = server.get("/sse/ids?run=i", &[("Last-Event-ID", "")]).await;
    assert_eq!(indexes(&self::events(&unknown.body)), [0, 1, 2]);

    let stats = server.stats("i").await;
    assert_eq!(
        stats["has_last_event_id"],
        serde_json::json!([false, true, true])
    );
    assert_eq!(
        stats["last_event_id_hex"],
        serde_json::json!(["", "e7acac32e69da1", ""])
    );
    assert_eq!(
        stats["last_event_ids"],
        serde_json::json!(["", "第2条", ""])
    );
}

#[tokio::test]
async fn retry_field_then_the_last_message() {
    let server = Server::start();
    let first = server.get("/sse/retry-field?run=t&ms=250", &[]).await;
    assert!(first.complete);
    assert_eq!(
        first.body,
        "retry: 250\n\nid: 1\ndata: {\"index\":0,\"text\":\"Hello\",\"status\":0}\n\n"
    );
    let second = server.get("/sse/retry-field?run=t&ms=250", &[]).await;
    assert_eq!(
        second.body,
        "id: 2\ndata: {\"index\":1,\"text\":\",\",\"status\":1}\n\n"
    );
}

#[tokio::test]
async fn raw_cases_send_the_exact_bytes() {
    let server = Server::start();
    let cases: [(&str, &[u8], [&str; 2]); 9] = [
        (
            "crlf",
            b"id: 1\r\ndata: {\"index\":0,\"text\":\"crlf\",\"status\":0}\r\n\r\nid: 2\r\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\r\n",
            ["crlf", "end"],
        ),
        (
            "cr",
            b"id: 1\rdata: {\"index\":0,\"text\":\"cr\",\"status\":0}\r\rid: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\r",
            ["cr", "end"],
        ),
        (
            "mixed",
            b"id: 1\r\ndata: {\"index\":0,\"text\":\"mixed\",\"status\":0}\n\rid: 2\rdata: {\"index\":1,\"text\":\"end\",\"status\":1}\r\n\n",
            ["mixed", "end"],
        ),
        (
            "bom",
            b"\xEF\xBB\xBFid: 1\ndata: {\"index\":0,\"text\":\"bom\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"\xEF\xBB\xBFkept\",\"status\":1}\n\n",
            ["bom", "\u{feff}kept"],
        ),
        (
            "bom-split",
            b"\xEF\xBB\xBFid: 1\ndata: {\"index\":0,\"text\":\"split bom\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n",
            ["split bom", "end"],
        ),
        (
            "bom-twice",
            b"\xEF\xBB\xBF\xEF\xBB\xBFevent: ignored\nid: 1\ndata: {\"index\":0,\"text\":\"second bom\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"end\",\"status\":1}\n\n",
            ["second bom", "end"],
        ),
        (
            "split-crlf",
            b"id: 1\r\ndata: {\"index\":0,\r\ndata: \"text\":\"split\",\"status\":0}\r\n\r\nid: 2\r\ndata: {\"index\":1,\"text\":\"crlf\",\"status\":1}\r\n\r\n",
            ["split", "crlf"],
        ),
        (
            "split-utf8",
            "id: 1\ndata: {\"index\":0,\"text\":\"世界\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"😀\",\"status\":1}\n\n".as_bytes(),
            ["世界", "😀"],
        ),
        (
            "invalid-utf8",
            b"id: 1\ndata: {\"index\":0,\"text\":\"a\xFFb\",\"status\":0}\n\nid: 2\ndata: {\"index\":1,\"text\":\"c\xE4\xB8d\",\"status\":1}\n\n",
            ["a\u{fffd}b", "c\u{fffd}d"],
        ),
    ];
    for (case, bytes, expected) in cases {
        let response = server
            .get(&format!("/sse/raw?run=raw&case={case}"), &[])
            .await;
        assert_eq!(response.status, 200, "{case}");
        assert_eq!(response.header("content-type"), Some("text/event-stream"));
        assert!(response.complete, "{case}");
        assert_eq!(response.bytes, bytes, "{case}");
        let events = spec_events(&response.bytes);
        assert_eq!(texts(&events), expected, "{case}");
        for (index, (kind, data, id)) in events.iter().enumerate() {
            assert_eq!(kind, "message", "{case}");
            assert_eq!(id, &(index + 1).to_string(), "{case}");
            assert_eq!(json(data)["status"], index, "{case}");
        }
    }
    assert_eq!(
        spec_events(cases[6].1)[0].1,
        "{\"index\":0,\n\"text\":\"split\",\"status\":0}"
    );
    assert_eq!(server.get("/sse/raw?case=nope", &[]).await.status, 400);
}

#[tokio::test]
async fn raw_writes_arrive_apart() {
    let server = Server::start();
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let request = request_bytes("GET", &server.addr, "/sse/raw?case=bom-split", &[]);
    stream.write_all(request.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    // Five writes, 30 ms apart.
    assert!(started.elapsed() >= Duration::from_millis(110));
    let body = parse_response(&raw).bytes;
    assert!(body.starts_with(b"\xEF\xBB\xBFid: 1\n"));
    // Each write is its own chunk: the BOM's bytes come in chunks of size 1.
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(raw[head_end..].starts_with(b"1\r\n\xEF\r\n1\r\n\xBB\r\n1\r\n\xBF\r\n"));
}

#[tokio::test]
async fn silence_then_the_rest_and_no_silence_on_resume() {
    let server = Server::start();
    let started = Instant::now();
    let quiet = server.get("/sse/silence?run=s&silence=400", &[]).await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(!quiet.body.contains(": ping"));
    assert_eq!(indexes(&events(&quiet.body)), [0, 1, 2]);

    let pings = server
        .get("/sse/silence?run=p&silence=400&comments=1", &[])
        .await;
    let count = pings.body.matches(": ping\n\n").count();
    assert!((2..=4).contains(&count), "{count} pings");

    let started = Instant::now();
    let resumed = server
        .get("/sse/silence?run=s&silence=400", &[("Last-Event-ID", "1")])
        .await;
    assert!(started.elapsed() < Duration::from_millis(400));
    assert_eq!(indexes(&events(&resumed.body)), [1, 2]);
}

#[tokio::test]
async fn unterminated_ends_without_the_blank_line() {
    let server = Server::start();
    let first = "retry: 100\n\nid: 1\ndata: {\"index\":0,\"text\":\"Hello\",\"status\":0}\n\n";
    let last = "id: 2\ndata: {\"index\":1,\"text\":\",\",\"status\":1}\n";
    let response = server.get("/sse/unterminated?run=u", &[]).await;
    assert!(response.complete);
    assert_eq!(response.body, format!("{first}{last}"));
    let bare = server.get("/sse/unterminated?run=u&bare=1", &[]).await;
    assert_eq!(bare.body, format!("{first}{}", last.trim_end()));
}

#[tokio::test]
async fn numbered_counts_from_the_last_event_id() {
    let server = Server::start();
    let all = server.get("/sse/numbered?run=n&count=120", &[]).await;
    assert!(all
        .body
        .starts_with("retry: 10\n\nid: 1\ndata: 1 世界\n\nid: 2\n"));
    let events = events(&all.body);
    assert_eq!(events.len(), 121);
    for (n, event) in (1..).zip(&events[..120]) {
        assert_eq!(event.id, Some(n.to_string()));
        assert_eq!(event.data, format!("{n} 世界"));
    }
    assert_eq!(events[120].name.as_deref(), Some("done"));
    assert_eq!(events[120].data, "end");

    let rest = server
        .send(
            "POST",
            "/sse/numbered?run=n&count=120",
            &[("Last-Event-ID", "100")],
            "{}",
        )
        .await;
    let rest = self::events(&rest.body);
    assert_eq!(rest.len(), 21);
    assert_eq!(rest[0].id.as_deref(), Some("101"));
}
