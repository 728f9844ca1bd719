//! The demo's live notifications: `GET /api/notifications` (endless, resumable) and the count
//! of its open connections, `GET /api/notifications/connections`.

mod common;

use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

/// Opens the stream (with optional headers) and reads until `until` has arrived, up to the end
/// of a chunk that ends an event; returns the connection, still open, and what it read.
async fn open(server: &Server, headers: &[(&str, &str)], until: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(&server.addr).await.unwrap();
    let request = request_bytes("GET", &server.addr, "/api/notifications", headers);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&seen);
        if text.contains(until) && text.ends_with("\n\n\r\n") {
            break;
        }
        let n = timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("notifications keep coming")
            .unwrap();
        assert!(n > 0, "the stream does not end by itself");
        seen.extend_from_slice(&buffer[..n]);
    }
    (stream, String::from_utf8_lossy(&seen).into_owned())
}

async fn open_count(server: &Server) -> u64 {
    let response = server.get("/api/notifications/connections", &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    json(&response.body)["open"]
        .as_u64()
        .expect("open is a number")
}

/// Polls until the count is `expected` (a dropped connection is noticed at the next write).
async fn wait_for_count(server: &Server, expected: u64) {
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let open = open_count(server).await;
        if open == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "open connections stay {open}, expected {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_count_follows_the_open_streams() {
    let server = Server::start();
    assert_eq!(open_count(&server).await, 0);

    let (first, head) = open(&server, &[], "id: 1\n").await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert_eq!(open_count(&server).await, 1);
    let (second, _) = open(&server, &[], "id: 1\n").await;
    assert_eq!(open_count(&server).await, 2);

    drop(first);
    wait_for_count(&server, 1).await;
    drop(second);
    wait_for_count(&server, 0).await;
}

#[tokio::test]
async fn notifications_are_numbered_and_resume_after_last_event_id() {
    let server = Server::start();
    // A fresh stream starts at 1; the second arrives about 2 s later.
    let (stream, seen) = open(&server, &[], "\"id\":2,").await;
    drop(stream);
    let body = body_so_far(&seen);
    assert!(body.starts_with("retry: 2000\n\n"), "{body}");
    let first = events(&body);
    assert_eq!(ids(&first), [1, 2]);
    for event in &first {
        let data = json(&event.data);
        assert_eq!(data["id"].to_string(), *event.id.as_ref().unwrap());
        assert!(!data["text"].as_str().unwrap().is_empty());
        let at = data["at"].as_str().unwrap();
        assert!(at.len() == 20 && at.ends_with('Z'), "{at}");
    }

    // A tab taking over with Last-Event-ID: 41 gets 42 at once.
    let (stream, seen) = open(&server, &[("Last-Event-ID", "41")], "\"id\":42,").await;
    drop(stream);
    assert_eq!(ids(&events(&body_so_far(&seen))), [42]);
    wait_for_count(&server, 0).await;
}

fn ids(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .map(|e| e.id.as_deref().unwrap().parse().unwrap())
        .collect()
}

/// The complete events of a chunked body read so far (the body is still open).
fn body_so_far(seen: &str) -> String {
    let body = &seen[seen.find("\r\n\r\n").expect("end of headers") + 4..];
    let text = String::from_utf8(dechunk(body.as_bytes()).0).unwrap();
    let end = text.rfind("\n\n").map_or(0, |end| end + 2);
    text[..end].to_owned()
}
