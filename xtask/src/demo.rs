//! `cargo xtask demo [--port N]`: the streaming chat demo on a fresh machine, in one command.
//!
//! It runs `setup` (skips what is there) and `pkg`, builds the server, then starts ONE
//! `wasm-sse-server` on 127.0.0.1 serving `www/` at `/`, the package at `/pkg/` and the SSE
//! endpoints, and runs until Ctrl-C (SIGINT) or SIGTERM, then stops the server and exits 0.
//!
//! Its first line on stdout is the address (`wasm-sse demo: http://127.0.0.1:8080/`), so tools
//! (the e2e test) can read it: everything printed before it goes to stderr. `setup` and `pkg`
//! print with `println!` (and so do the tools they run), so they run as child xtasks whose
//! stdout is our stderr.

use std::env;
use std::io::{self, BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{self, run_to_stderr, Result};

const USAGE: &str =
    "usage: cargo xtask demo [--port N]   (default 8080, or env PORT; 0 = a free port)";

/// What the server prints first; the rest of the line is its base URL.
const LISTENING: &str = "wasm-sse-server listening on ";

pub fn run_demo(args: &[String]) -> Result<bool> {
    let port = parse_port(args, env::var("PORT").ok())?;
    let xtask = env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    run_to_stderr(Command::new(&xtask).arg("setup"))?;
    run_to_stderr(Command::new(&xtask).arg("pkg"))?;
    run_to_stderr(util::cargo().args(["build", "-p", "wasm-sse-server"]))?;

    let root = util::root();
    let exe = util::target_dir().join("debug").join("wasm-sse-server");
    let mut cmd = Command::new(&exe);
    cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--static")
        .arg(root.join("www"))
        .arg("--mount")
        .arg(format!("/pkg={}", root.join("pkg").display()))
        // The server also ends if xtask dies without stopping it: its stdin closes.
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    eprintln!("$ {}", util::show(&cmd));
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    // From here on the guard owns the child, so every early return stops it.
    let mut server = Running { child };
    let stdout = server.child.stdout.take().expect("stdout is piped");
    let mut stdout = BufReader::new(stdout);
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let url = parse_listening(&line).ok_or_else(|| {
        format!("the server did not start (is port {port} in use? `--port 0` picks a free one)")
    })?;
    // Anything else the server prints is for the terminal, not for tools.
    thread::spawn(move || {
        for line in stdout.lines().map_while(io::Result::ok) {
            eprintln!("{line}");
        }
    });

    stop_signal::install();
    let mut out = io::stdout();
    writeln!(out, "wasm-sse demo: {url}/").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    eprintln!(
        "serving {} at /, {} at /pkg/, the chat at /api/chat; press Ctrl-C to stop",
        root.join("www").display(),
        root.join("pkg").display()
    );

    loop {
        if stop_signal::requested() {
            break;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            // Ctrl-C in a terminal reaches the server too; let our handler see it.
            thread::sleep(Duration::from_millis(300));
            if stop_signal::requested() {
                break;
            }
            return Err(format!("the server stopped by itself ({status})"));
        }
        thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    eprintln!("wasm-sse demo: stopped");
    Ok(true)
}

/// `--port N` / `--port=N`, else `PORT`, else 8080.
fn parse_port(args: &[String], env_port: Option<String>) -> Result<u16> {
    let mut port = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--port" => args.next().cloned(),
            other => match other.strip_prefix("--port=") {
                Some(value) => Some(value.to_string()),
                None => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            },
        };
        port = Some(value.ok_or_else(|| format!("--port needs a value\n{USAGE}"))?);
    }
    match port.or(env_port) {
        Some(port) => port
            .trim()
            .parse()
            .map_err(|_| format!("bad port `{port}`\n{USAGE}")),
        None => Ok(8080),
    }
}

/// `wasm-sse-server listening on http://127.0.0.1:PORT` -> the URL.
fn parse_listening(line: &str) -> Option<String> {
    let url = line.trim_end().strip_prefix(LISTENING)?;
    let port = url.strip_prefix("http://")?.rsplit_once(':')?.1;
    matches!(port.parse::<u16>(), Ok(port) if port != 0).then(|| url.to_string())
}

/// The running server; dropping it stops the server and waits for it.
struct Running {
    child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Closing stdin asks the server to stop; kill it if it takes too long.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGINT and SIGTERM set a flag instead of killing xtask, so it can stop the server and exit
/// 0. (xtask has no dependencies; this is the one libc call it needs.)
#[cfg(unix)]
mod stop_signal {
    use std::sync::atomic::{AtomicBool, Ordering};

    static REQUESTED: AtomicBool = AtomicBool::new(false);
    const SIGINT: i32 = 2;
    const SIGTERM: i32 = 15;

    extern "C" {
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    }

    extern "C" fn on_signal(_: i32) {
        // Only an atomic store: async-signal-safe.
        REQUESTED.store(true, Ordering::SeqCst);
    }

    pub fn install() {
        // SAFETY: `signal` is the C library's; the handler only stores to an atomic.
        unsafe {
            signal(SIGINT, on_signal);
            signal(SIGTERM, on_signal);
        }
    }

    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }
}

/// Elsewhere Ctrl-C ends xtask directly; the server then ends with its closed stdin.
#[cfg(not(unix))]
mod stop_signal {
    pub fn install() {}

    pub fn requested() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn port_from_flag_env_or_default() {
        assert_eq!(parse_port(&[], None).unwrap(), 8080);
        assert_eq!(parse_port(&[], Some("9000".into())).unwrap(), 9000);
        assert_eq!(
            parse_port(&args(&["--port", "0"]), Some("9000".into())).unwrap(),
            0
        );
        assert_eq!(parse_port(&args(&["--port=1234"]), None).unwrap(), 1234);
        assert!(parse_port(&args(&["--port"]), None).is_err());
        assert!(parse_port(&args(&["--port", "x"]), None).is_err());
        assert!(parse_port(&[], Some("70000".into())).is_err());
        assert!(parse_port(&args(&["--fast"]), None).is_err());
    }

    #[test]
    fn reads_the_servers_address() {
        assert_eq!(
            parse_listening("wasm-sse-server listening on http://127.0.0.1:43567\n").as_deref(),
            Some("http://127.0.0.1:43567")
        );
        assert_eq!(parse_listening(""), None);
        assert_eq!(
            parse_listening("wasm-sse-server listening on http://127.0.0.1:0"),
            None
        );
    }
}
