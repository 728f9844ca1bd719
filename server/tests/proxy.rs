//! Runs the fault-injection proxy in front of the real server and checks that a client that
//! resumes with Last-Event-ID after every cut and refusal gets each event exactly once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Its first numbered connection stalls and is cut at byte 15 487, then a burst refuses two.
const SEED: &str = "37";
const COUNT: u64 = 2000;

/// A `wasm-sse-server` process (server or proxy); killed when dropped.
struct Process {
    child: Child,
    /// The rest of the first line after `prefix`.
    first_line: String,
    /// Every later stdout line.
    lines: Arc<Mutex<Vec<String>>>,
}

impl Process {
    fn start(args: &[&str], prefix: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasm-sse-server"))
            .args(args)
            .arg("--exit-with-stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start wasm-sse-server");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the first line");
        let first_line = line
            .trim_end()
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            first_line,
            lines,
        }
    }

    fn count(&self, needle: &str) -> usize {
        let lines = self.lines.lock().unwrap();
        lines.iter().filter(|line| line.contains(needle)).count()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The chunked body's bytes as received, the last chunk possibly cut short.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..end]).unwrap();
        let size = usize::from_str_radix(size, 16).unwrap();
        let data = &rest[end + 2..];
        body.extend_from_slice(&data[..size.min(data.len())]);
        if data.len() < size + 2 {
            break;
        }
        rest = &data[size + 2..];
    }
    body
}

/// One connection: the complete events received as (id, data) or ("done", data), and
/// whether the stream got to `event: done`. Events cut short are dropped, as a client must.
async fn read_once(addr: &str, last_id: u64) -> (Vec<(String, String)>, bool) {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return (Vec::new(), false);
    };
    let mut request = format!(
        "GET /sse/numbered?count={COUNT}&run=proxy HTTP/1.1\r\nHost: {addr}\r\n\
         Connection: close\r\n"
    );
    if last_id > 0 {
        request.push_str(&format!("Last-Event-ID: {last_id}\r\n"));
    }
    request.push_str("\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return (Vec::new(), false);
    }
    let mut raw = Vec::new();
    // A cut may come as a reset: whatever arrived before it still counts.
    let _ = timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
    let Some(head_end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (Vec::new(), false);
    };
    assert!(raw.starts_with(b"HTTP/1.1 200 "), "{:?}", &raw[..head_end]);
    let body = dechunk(&raw[head_end + 4..]);
    let mut events = Vec::new();
    let mut done = false;
    // Only blocks followed by a blank line are complete; the last piece never is.
    let text = String::from_utf8_lossy(&body);
    let mut blocks: Vec<&str> = text.split("\n\n").collect();
    blocks.pop();
    for block in blocks {
        let (mut id, mut name, mut data) = (None, None, None);
        for line in block.lines() {
            match line.split_once(": ") {
                Some(("id", value)) => id = Some(value.to_owned()),
                Some(("event", value)) => name = Some(value.to_owned()),
                Some(("data", value)) => data = Some(value.to_owned()),
                _ => {}
            }
        }
        match (id, name, data) {
            (_, Some(name), Some(data)) if name == "done" => {
                events.push(("done".to_owned(), data));
                done = true;
            }
            (Some(id), None, Some(data)) => events.push((id, data)),
            _ => {}
        }
    }
    (events, done)
}

#[tokio::test]
async fn a_resuming_client_gets_every_event_once_through_the_faults() {
    let server = Process::start(&["--port", "0"], "wasm-sse-server listening on http://");
    let proxy = Process::start(
        &["proxy", "--upstream", &server.first_line, "--seed", SEED],
        "wasm-sse-proxy listening on http://",
    );
    let (addr, seed) = proxy.first_line.split_once(" seed ").expect("the seed");
    assert_eq!(seed, SEED);

    let mut received = Vec::new();
    let mut connections = 0;
    let mut done = false;
    while !done {
        connections += 1;
        assert!(connections < 100, "no end after 100 connections");
        let (events, finished) = read_once(addr, received.last().copied().unwrap_or(0)).await;
        for (id, data) in events {
            if id == "done" {
                assert_eq!(data, "end");
                continue;
            }
            let n: u64 = id.parse().unwrap();
            assert_eq!(n, received.len() as u64 + 1, "events in order, once each");
            assert_eq!(data, format!("{n} 世界"));
            received.push(n);
        }
        done = finished;
    }
    assert_eq!(received, (1..=COUNT).collect::<Vec<_>>());
    // The proxy reports each fault as it happens; let the last lines arrive.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (cuts, refusals) = (proxy.count("cut after"), proxy.count("refused"));
    assert!(
        cuts >= 1 && refusals >= 1,
        "{cuts} cuts, {refusals} refusals"
    );
    assert!(connections > cuts + refusals, "{connections} connections");
    assert!(connections >= 3);
}

#[tokio::test]
async fn other_requests_pass_untouched() {
    let server = Process::start(&["--port", "0"], "wasm-sse-server listening on http://");
    // Seed 37 would refuse the second SSE connection; none of these is one.
    let proxy = Process::start(
        &["proxy", "--upstream", &server.first_line, "--seed", SEED],
        "wasm-sse-proxy listening on http://",
    );
    let addr = proxy.first_line.split_once(" seed ").unwrap().0;
    for path in ["/health", "/stats/x", "/health", "/stats/y"] {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();
        assert!(raw.starts_with(b"HTTP/1.1 200 "), "{path}");
    }
    assert_eq!(proxy.count("wasm-sse-proxy:"), 0);
}

#[test]
fn refuses_a_remote_upstream() {
    let status = Command::new(env!("CARGO_BIN_EXE_wasm-sse-server"))
        .args(["proxy", "--upstream", "192.0.2.1:80"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}
