//! Static files: `--static DIR` at `/`, `--mount /PREFIX=DIR` under a prefix, and the security
//! headers every static response carries (the demo page runs under that CSP).

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// A server process; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasm-sse-server"))
            .args(["--port", "0", "--exit-with-stdin"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the first line");
        let addr = line
            .trim_end()
            .strip_prefix("wasm-sse-server listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// `GET path` with `Connection: close`; returns the status, the headers (names in lower
    /// case) and the body.
    fn get(&self, path: &str) -> (u16, Vec<(String, String)>, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read the response");
        let (head, body) = raw.split_once("\r\n\r\n").expect("a blank line");
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap();
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        (status.parse().unwrap(), headers, body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A fresh directory tree for one test: `www/` and `pkg/` with a few files.
fn fixture(name: &str) -> (PathBuf, PathBuf) {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&root);
    let (www, pkg) = (root.join("www"), root.join("pkg"));
    fs::create_dir_all(www.join("pkg")).unwrap();
    fs::create_dir_all(pkg.join("snippets")).unwrap();
    fs::write(www.join("index.html"), "<!doctype html><title>demo</title>").unwrap();
    fs::write(www.join("app.js"), "export {};").unwrap();
    fs::write(www.join("pkg").join("only-in-www.txt"), "www").unwrap();
    fs::write(pkg.join("wasm_sse.js"), "export default 1;").unwrap();
    fs::write(pkg.join("wasm_sse_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    fs::write(pkg.join("snippets").join("a.js"), "export {};").unwrap();
    (www, pkg)
}

#[test]
fn mounts_a_directory_under_a_prefix() {
    let (www, pkg) = fixture("mounts");
    let mount = format!("/pkg={}", pkg.display());
    let server = Server::start(&["--static", www.to_str().unwrap(), "--mount", &mount]);

    let (status, headers, body) = server.get("/");
    assert_eq!(status, 200);
    assert_eq!(body, "<!doctype html><title>demo</title>");
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );

    let (status, headers, body) = server.get("/pkg/wasm_sse.js");
    assert_eq!((status, body.as_str()), (200, "export default 1;"));
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let (status, headers, _) = server.get("/pkg/wasm_sse_bg.wasm");
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/wasm"));
    assert_eq!(server.get("/pkg/snippets/a.js").0, 200);

    // The mount covers its prefix only, and a file it lacks falls through to `--static`.
    assert_eq!(server.get("/pkg/only-in-www.txt").2, "www");
    assert_eq!(server.get("/pkgx/wasm_sse.js").0, 404);
    assert_eq!(server.get("/wasm_sse.js").0, 404);
    // Nothing leaves the directories.
    assert_eq!(server.get("/pkg/../www/index.html").0, 404);
    assert_eq!(server.get("/pkg/%2e%2e/www/index.html").0, 404);
    // The SSE routes still win over static files.
    assert_eq!(server.get("/health").2, "ok");
}

#[test]
fn static_responses_carry_the_security_headers() {
    let (www, pkg) = fixture("headers");
    let mount = format!("/pkg={}", pkg.display());
    let server = Server::start(&["--static", www.to_str().unwrap(), "--mount", &mount]);
    for path in ["/", "/app.js", "/pkg/wasm_sse_bg.wasm", "/missing.html"] {
        let (_, headers, _) = server.get(path);
        assert_eq!(
            header(&headers, "content-security-policy"),
            Some(CSP),
            "{path}"
        );
        assert_eq!(
            header(&headers, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
    }
    // `?csp=off` drops the policy only (for the npm suite's cross-origin case under WebDriver).
    for path in ["/?csp=off", "/?x=1&csp=off"] {
        let (status, headers, _) = server.get(path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-security-policy"), None, "{path}");
        assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
        assert_eq!(header(&headers, "referrer-policy"), Some("no-referrer"));
    }
    let (_, headers, _) = server.get("/?csp=offline");
    assert_eq!(header(&headers, "content-security-policy"), Some(CSP));
    // The policy is for documents; event streams do not need it.
    let (status, headers, _) = server.get("/api/chat?q=hi&delay=0");
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("text/event-stream"));
    assert_eq!(header(&headers, "content-security-policy"), None);
}

#[test]
fn rejects_a_bad_mount() {
    let output = Command::new(env!("CARGO_BIN_EXE_wasm-sse-server"))
        .args(["--port", "0", "--mount", "pkg"])
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--mount wants /PREFIX=DIR"));
}
