//! What the integration tests share: the real `wasm-sse-server` binary, hand-written HTTP/1.1
//! requests over a plain TCP stream, and a minimal SSE splitter.
// Each test crate uses its own subset.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A running server process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    _stdout: BufReader<ChildStdout>,
    /// `host:port`.
    pub addr: String,
}

impl Server {
    pub fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasm-sse-server"))
            .args(["--port", "0", "--exit-with-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read the first line");
        let addr = line
            .trim_end()
            .strip_prefix("wasm-sse-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server {
            child,
            stdin,
            _stdout: stdout,
            addr,
        }
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers).await
    }

    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Response {
        self.send(method, path, headers, "").await
    }

    /// A request with a body (and its Content-Length).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let exchange = async {
            let mut stream = TcpStream::connect(&self.addr).await.unwrap();
            let mut request = request_bytes(method, &self.addr, path, headers);
            if !body.is_empty() {
                request.insert_str(
                    request.len() - 2,
                    &format!("Content-Length: {}\r\n", body.len()),
                );
                request.push_str(body);
            }
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await.unwrap();
            parse_response(&raw)
        };
        timeout(Duration::from_secs(5), exchange)
            .await
            .expect("response within 5 s")
    }

    pub async fn stats(&self, run: &str) -> serde_json::Value {
        let response = self.get(&format!("/stats/{run}"), &[]).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.header("cache-control"), Some("no-store"));
        serde_json::from_str(&response.body).expect("stats are JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn request_bytes(method: &str, host: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request
}

pub struct Response {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as lossy UTF-8 (see `bytes` for the exact bytes).
    pub body: String,
    pub bytes: Vec<u8>,
    /// False when a chunked body was cut before its final chunk.
    pub complete: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
    let (body, complete) = if chunked {
        dechunk(rest)
    } else {
        (rest.to_vec(), true)
    };
    Response {
        status: status.parse().unwrap(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        bytes: body,
        complete,
    }
}

/// Decodes a chunked body; `false` when it stops before the terminating zero-size chunk.
pub fn dechunk(mut rest: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
            return (body, false);
        };
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap(), 16).unwrap();
        if size == 0 {
            return (body, true);
        }
        let data = &rest[end + 2..];
        if data.len() < size + 2 {
            return (body, false);
        }
        body.extend_from_slice(&data[..size]);
        rest = &data[size + 2..];
    }
}

/// One dispatched SSE event (blocks without data, e.g. `retry:` only, are skipped).
#[derive(Debug, PartialEq)]
pub struct Event {
    pub name: Option<String>,
    pub id: Option<String>,
    pub data: String,
}

/// A minimal SSE splitter: enough for the LF-only frames this server writes.
pub fn events(body: &str) -> Vec<Event> {
    let mut events = Vec::new();
    for block in body.split("\n\n") {
        let (mut name, mut id, mut data) = (None, None, Vec::new());
        for line in block.lines().filter(|l| !l.starts_with(':')) {
            let (field, value) = line.split_once(": ").unwrap_or((line, ""));
            match field {
                "event" => name = Some(value.to_owned()),
                "id" => id = Some(value.to_owned()),
                "data" => data.push(value),
                _ => {}
            }
        }
        if !data.is_empty() {
            events.push(Event {
                name,
                id,
                data: data.join("\n"),
            });
        }
    }
    events
}

pub fn json(data: &str) -> serde_json::Value {
    serde_json::from_str(data).unwrap_or_else(|_| panic!("not JSON: {data}"))
}

/// The `index` values of the events' JSON data.
pub fn indexes(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .map(|e| json(&e.data)["index"].as_u64().unwrap())
        .collect()
}
