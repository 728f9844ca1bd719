//! `wasm-sse-server`: the SSE server the wasm-sse tests and demo talk to
//! (and, as `wasm-sse-server proxy`, a fault-injecting proxy in front of it).
//! This file holds the command line and the startup/shutdown logic.

mod bench;
mod chat;
mod cors;
mod ctx;
mod notifications;
mod proxy;
mod raw;
mod request;
mod scenarios;
mod sse;
mod static_files;
mod stats;
mod stream;

use std::future::Future;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::routing::{get, on, post, MethodFilter};
use axum::serve::ListenerExt;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::static_files::Mount;
use crate::stats::Stats;

const USAGE: &str = "usage: wasm-sse-server [--host 127.0.0.1] [--port N] [--static DIR]... \
     [--mount /PREFIX=DIR]... [--exit-with-stdin]\n       wasm-sse-server proxy --help";

/// The methods a scenario answers: EventSource only GETs, fetch transports also send the others.
const SCENARIO_METHODS: MethodFilter = MethodFilter::GET
    .or(MethodFilter::POST)
    .or(MethodFilter::PUT)
    .or(MethodFilter::PATCH)
    .or(MethodFilter::DELETE);

/// State shared by all handlers.
#[derive(Clone)]
pub struct AppState {
    stats: Stats,
    /// Where static files come from, in lookup order (see `static_files`).
    mounts: Arc<Vec<Mount>>,
    /// The chat's answers, kept for resuming (see `chat`).
    answers: chat::Answers,
}

/// Parsed command line.
struct Options {
    host: String,
    port: u16,
    /// `--static DIR` (served at `/`) and `--mount /PREFIX=DIR`, in the order given.
    mounts: Vec<Mount>,
    exit_with_stdin: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.0.1".to_owned(),
        port: 0,
        mounts: Vec::new(),
        exit_with_stdin: false,
    };
    let mut port = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--host" => options.host = value()?,
            "--port" => port = Some(value()?),
            "--static" => options.mounts.push(Mount::root(value()?.into())),
            "--mount" => options.mounts.push(Mount::parse(&value()?)?),
            "--exit-with-stdin" => options.exit_with_stdin = true,
            "-h" | "--help" => return Err(String::new()),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    let port = port.or_else(|| std::env::var("PORT").ok());
    options.port = match port {
        Some(port) => port.parse().map_err(|_| format!("bad port {port}"))?,
        None => 8080,
    };
    Ok(options)
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/stats/", get(stats::handler))
        .route("/stats/{run}", get(stats::handler))
        .route(
            "/sse/status/{code}",
            on(SCENARIO_METHODS, scenarios::status),
        )
        // The GET chat under the scenarios' prefix (a static segment wins over `{scenario}`).
        .route("/sse/chat", on(SCENARIO_METHODS, chat::alias))
        .route("/sse/{scenario}", on(SCENARIO_METHODS, scenarios::scenario))
        .route("/api/chat", get(chat::get).post(chat::post))
        .route("/v1/chat/completions", post(chat::completions))
        .merge(bench::routes())
        .merge(notifications::routes())
        .fallback(static_files::serve)
        .with_state(state)
        // Added last so it also wraps the fallback and 404/405 answers.
        .layer(middleware::from_fn(cors::cors))
}

/// Resolves on SIGINT/SIGTERM, or with `exit_with_stdin` when stdin closes.
fn shutdown_signal(exit_with_stdin: bool) -> impl Future<Output = ()> {
    let stdin_closed = if exit_with_stdin {
        watch_stdin()
    } else {
        oneshot::channel().1
    };
    any_shutdown(stdin_closed)
}

/// Resolves on SIGINT/SIGTERM, or when `stdin_closed` fires.
async fn any_shutdown(stdin_closed: oneshot::Receiver<()>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let stdin_closed = async {
        // A dropped sender (no --exit-with-stdin) must not end the server.
        if stdin_closed.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
        () = stdin_closed => {}
    }
}

/// Reads stdin to EOF on a plain thread (it never blocks process exit, unlike a
/// tokio blocking task), then fires the returned receiver.
fn watch_stdin() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let mut sink = [0u8; 1024];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    rx
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let result = if args.next_if(|arg| arg == "proxy").is_some() {
        match proxy::parse_args(args) {
            Ok(options) => {
                let shutdown = shutdown_signal(options.exit_with_stdin);
                proxy::run(options, shutdown).await
            }
            Err(message) => return usage_error(&message, proxy::USAGE),
        }
    } else {
        match parse_args(args) {
            Ok(options) => run(options).await,
            Err(message) => return usage_error(&message, USAGE),
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wasm-sse-server: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str, usage: &str) -> ExitCode {
    if !message.is_empty() {
        eprintln!("wasm-sse-server: {message}");
    }
    eprintln!("{usage}");
    ExitCode::from(2)
}

async fn run(options: Options) -> std::io::Result<()> {
    let mut mounts = options.mounts;
    static_files::sort_mounts(&mut mounts);
    let state = AppState {
        stats: Stats::default(),
        mounts: Arc::new(mounts),
        answers: chat::Answers::default(),
    };
    let listener = TcpListener::bind((options.host.as_str(), options.port)).await?;
    let address: SocketAddr = listener.local_addr()?;
    // Tooling parses this exact first line to learn the port.
    let mut stdout = std::io::stdout();
    writeln!(stdout, "wasm-sse-server listening on http://{address}")?;
    stdout.flush()?;

    let shutdown = shutdown_signal(options.exit_with_stdin);
    // No Nagle delay: each SSE frame should leave at once.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    // Not graceful shutdown: open streams (e.g. `endless`) would never let it finish.
    tokio::select! {
        result = axum::serve(listener, router(state)) => result,
        () = shutdown => Ok(()),
    }
}
