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
use std::ffi::OsString;
use std::io::{self, Write};
use std::process::Command;
use std::thread;
use std::time::Duration;

use crate::server;
use crate::util::{self, run_to_stderr, Result};

const USAGE: &str =
    "usage: cargo xtask demo [--port N]   (default 8080, or env PORT; 0 = a free port)";

pub fn run_demo(args: &[String]) -> Result<bool> {
    let port = parse_port(args, env::var("PORT").ok())?;
    let xtask = env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    run_to_stderr(Command::new(&xtask).arg("setup"))?;
    run_to_stderr(Command::new(&xtask).arg("pkg"))?;
    run_to_stderr(util::cargo().args(["build", "-p", "wasm-sse-server"]))?;

    let root = util::root();
    let mut pkg_mount = OsString::from("/pkg=");
    pkg_mount.push(root.join("pkg"));
    let args = [
        "--host".into(),
        "127.0.0.1".into(),
        "--port".into(),
        port.to_string().into(),
        "--static".into(),
        root.join("www").into(),
        "--mount".into(),
        pkg_mount,
    ];
    // The guard stops the server on every way out; its output goes to stderr.
    let mut server = server::spawn(&args, None).map_err(|e| {
        format!(
            "the server did not start (is port {port} in use? `--port 0` picks a free one): {e}"
        )
    })?;
    let url = server.url.clone();

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
        if let Some(status) = server.exited() {
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
}
