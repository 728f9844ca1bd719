//! The SSE test server as a child process that cannot outlive xtask.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{self, run, Result};

/// What the server prints first; the rest of the line is its base URL.
const LISTENING: &str = "wasm-sse-server listening on ";
/// What the fault-injection proxy prints first: then its URL, ` seed `, and the seed.
const PROXY_LISTENING: &str = "wasm-sse-proxy listening on ";

/// How many servers and proxies this process has started (for their log names).
static STARTED: AtomicUsize = AtomicUsize::new(0);
static PROXIES: AtomicUsize = AtomicUsize::new(0);

/// A running server. Dropping it stops the server and waits for it.
pub struct Server {
    child: Child,
    pub url: String,
    pub log: PathBuf,
}

/// Builds the server and starts it on a free port.
pub fn start() -> Result<Server> {
    start_with(&[])
}

/// Like [`start`], also serving `static_dirs` at `/` (the first holding a path wins).
pub fn start_with(static_dirs: &[&Path]) -> Result<Server> {
    run(util::cargo().args(["build", "-p", "wasm-sse-server"]))?;
    let mut args: Vec<OsString> = vec!["--port".into(), "0".into()];
    for dir in static_dirs {
        args.push("--static".into());
        args.push(dir.into());
    }
    // One log per server of this run, since several may run at once.
    let name = match STARTED.fetch_add(1, Ordering::Relaxed) {
        0 => "server.log".to_string(),
        n => format!("server-{}.log", n + 1),
    };
    spawn(&args, Some(util::target_dir().join("xtask").join(name)))
}

/// A running fault-injection proxy (`wasm-sse-server proxy`, see server/src/proxy.rs) in
/// front of a server. Dropping it stops the proxy and waits for it.
pub struct Proxy {
    child: Child,
    pub url: String,
    /// The seed its faults derive from: rerun with `FAULT_SEED=<seed>` to replay them.
    pub seed: u64,
    /// The proxy's output: one line per fault it injected.
    pub log: PathBuf,
}

/// Starts a proxy in front of `upstream` (whose binary [`start`] has built), with the seed
/// from `FAULT_SEED` if set, else one the proxy picks and prints.
pub fn start_proxy(upstream: &Server) -> Result<Proxy> {
    let address = upstream
        .url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {}", upstream.url))?;
    let mut args: Vec<OsString> = vec![
        "proxy".into(),
        "--upstream".into(),
        address.into(),
        "--port".into(),
        "0".into(),
    ];
    if let Some(seed) = std::env::var_os("FAULT_SEED") {
        args.push("--seed".into());
        args.push(seed);
    }
    let log =
        util::target_dir()
            .join("xtask")
            .join(match PROXIES.fetch_add(1, Ordering::Relaxed) {
                0 => "proxy.log".to_string(),
                n => format!("proxy-{}.log", n + 1),
            });
    let (child, first_line) = spawn_child(&args, Some(&log))?;
    let mut proxy = Proxy {
        child,
        url: String::new(),
        seed: 0,
        log,
    };
    let line = first_line
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the proxy exited or printed nothing within 30 s".to_string())?;
    (proxy.url, proxy.seed) = parse_proxy_line(&line)?;
    eprintln!(
        "fault-injection proxy at {} (seed {}, faults logged in {})",
        proxy.url,
        proxy.seed,
        proxy.log.display()
    );
    Ok(proxy)
}

/// Starts the (already built) server with `args`, and waits for its address. What it prints
/// goes to `log`, or to stderr without one.
pub fn spawn(args: &[OsString], log: Option<PathBuf>) -> Result<Server> {
    let (child, first_line) = spawn_child(args, log.as_deref())?;
    // From here on the guard owns the child, so every early return stops it.
    let mut server = Server {
        child,
        url: String::new(),
        log: log.unwrap_or_default(),
    };
    let line = first_line
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| "the server exited or printed nothing within 30 s".to_string())?;
    server.url = parse_listening(&line)?;
    Ok(server)
}

/// Starts `wasm-sse-server args` with its stdout drained to `log` (see [`drain_stdout`]);
/// returns the child and the receiver of its first line.
fn spawn_child(args: &[OsString], log: Option<&Path>) -> Result<(Child, mpsc::Receiver<String>)> {
    let exe = util::target_dir().join("debug").join("wasm-sse-server");
    let mut cmd = Command::new(&exe);
    // --exit-with-stdin: the server also ends when xtask dies and the pipe closes.
    cmd.args(args)
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    eprintln!("$ {}", util::show(&cmd));
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    match drain_stdout(stdout, log) {
        Ok(first_line) => Ok((child, first_line)),
        Err(error) => {
            stop(&mut child);
            Err(error)
        }
    }
}

impl Server {
    /// Whether the server has stopped by itself.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

/// Reads the server's stdout on a thread for as long as it runs (so the pipe
/// never fills and blocks it), sends the first line back, and writes every line to `log`
/// (or to stderr).
fn drain_stdout(
    stdout: impl io::Read + Send + 'static,
    log: Option<&Path>,
) -> Result<mpsc::Receiver<String>> {
    let mut sink: Box<dyn Write + Send> = match log {
        Some(log) => Box::new(
            fs::create_dir_all(log.parent().expect("log has a parent"))
                .and_then(|()| File::create(log))
                .map_err(|e| format!("cannot create {}: {e}", log.display()))?,
        ),
        None => Box::new(io::stderr()),
    };
    let (first_tx, first_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut first_tx = Some(first_tx);
        for line in BufReader::new(stdout).lines().map_while(io::Result::ok) {
            if let Some(tx) = first_tx.take() {
                let _ = tx.send(line.clone());
            }
            let _ = writeln!(sink, "{line}");
        }
    });
    Ok(first_rx)
}

/// `wasm-sse-server listening on http://127.0.0.1:PORT` -> the URL.
fn parse_listening(line: &str) -> Result<String> {
    let url = line
        .trim_end()
        .strip_prefix(LISTENING)
        .ok_or_else(|| format!("unexpected first line from the server: {line:?}"))?;
    check_url(url, line)
}

/// `wasm-sse-proxy listening on http://127.0.0.1:PORT seed SEED` -> the URL and the seed.
fn parse_proxy_line(line: &str) -> Result<(String, u64)> {
    let unexpected = || format!("unexpected first line from the proxy: {line:?}");
    let (url, seed) = line
        .trim_end()
        .strip_prefix(PROXY_LISTENING)
        .and_then(|rest| rest.split_once(" seed "))
        .ok_or_else(unexpected)?;
    let seed = seed.parse().map_err(|_| unexpected())?;
    Ok((check_url(url, line)?, seed))
}

/// `url` if it is `http://HOST:PORT` with a real port.
fn check_url(url: &str, line: &str) -> Result<String> {
    let port = url
        .strip_prefix("http://")
        .and_then(|rest| rest.rsplit_once(':'))
        .map(|(_, port)| port);
    match port.map(str::parse::<u16>) {
        Some(Ok(port)) if port != 0 => Ok(url.to_string()),
        _ => Err(format!(
            "no http://HOST:PORT in the server's line: {line:?}"
        )),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Closing stdin asks the server or proxy to stop; kill it if it takes too long.
fn stop(child: &mut Child) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_listening_line() {
        assert_eq!(
            parse_listening("wasm-sse-server listening on http://127.0.0.1:43567\n").unwrap(),
            "http://127.0.0.1:43567"
        );
    }

    #[test]
    fn parses_the_proxy_line() {
        assert_eq!(
            parse_proxy_line("wasm-sse-proxy listening on http://127.0.0.1:4100 seed 37\n")
                .unwrap(),
            ("http://127.0.0.1:4100".to_string(), 37)
        );
        assert!(parse_proxy_line("wasm-sse-proxy listening on http://127.0.0.1:4100").is_err());
        assert!(parse_proxy_line("wasm-sse-proxy listening on http://127.0.0.1:0 seed 1").is_err());
        assert!(
            parse_proxy_line("wasm-sse-server listening on http://127.0.0.1:4100 seed 1").is_err()
        );
    }

    #[test]
    fn rejects_other_lines() {
        assert!(parse_listening("error: address in use").is_err());
        assert!(parse_listening("wasm-sse-server listening on http://127.0.0.1").is_err());
        assert!(parse_listening("wasm-sse-server listening on http://127.0.0.1:0").is_err());
        assert!(parse_listening("wasm-sse-server listening on http://127.0.0.1:x").is_err());
    }
}
