//! `cargo xtask example <yew-chat|leptos-chat> [--port N]`: builds an example app for the browser
//! and serves it with the workspace's server (the app at `/`, the chat at `/api/chat`) until
//! Ctrl-C.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::setup::WASM_TARGET;
use crate::util::{self, run, which, Result};

/// The example apps (workspace members under `examples/`).
pub const EXAMPLES: [&str; 2] = ["yew-chat", "leptos-chat"];

const USAGE: &str = "usage: cargo xtask example <yew-chat|leptos-chat> [--port N]   \
                     (default 8080, or env PORT; 0 = a free port)";

struct Options {
    name: String,
    port: Option<String>,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let (mut name, mut port) = (None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args
                    .next()
                    .ok_or(format!("--port needs a value\n{USAGE}"))?;
                port = Some(value.clone());
            }
            other if other.starts_with("--port=") => port = Some(other[7..].to_string()),
            other if EXAMPLES.contains(&other) && name.is_none() => name = Some(other.to_string()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    if let Some(port) = &port {
        port.parse::<u16>()
            .map_err(|_| format!("bad port `{port}`\n{USAGE}"))?;
    }
    let name = name.ok_or(format!("which example?\n{USAGE}"))?;
    Ok(Options { name, port })
}

pub fn run_example(args: &[String]) -> Result<bool> {
    let options = parse_args(args)?;
    let dir = build(&options.name)?;
    run(util::cargo().args(["build", "-p", "wasm-sse-server"]))?;
    let exe = util::target_dir().join("debug").join("wasm-sse-server");
    let mut cmd = Command::new(&exe);
    if let Some(port) = &options.port {
        cmd.args(["--port", port]);
    }
    // --exit-with-stdin: the server also ends when xtask dies and the pipe closes.
    cmd.arg("--static")
        .arg(&dir)
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped());
    println!("$ {}", util::show(&cmd));
    println!("serving {} at /; press Ctrl-C to stop", dir.display());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    // Held until the server ends (`wait` would close it first, and the server with it).
    let _stdin = child.stdin.take();
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(true)
    } else {
        Err(format!("the server stopped ({status})"))
    }
}

/// The page around each app, next to its `Cargo.toml` (files only: the server's
/// Content-Security-Policy allows no inline script or style).
const PAGE_FILES: [&str; 3] = ["index.html", "main.js", "style.css"];

/// Builds `name` for wasm32 (release), runs wasm-bindgen on it and copies its page files:
/// everything the page needs, in `target/examples/<name>/`.
pub fn build(name: &str) -> Result<PathBuf> {
    run(util::cargo().args(["build", "--release", "--target", WASM_TARGET, "-p", name]))?;
    let wasm = util::target_dir()
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{name}.wasm"));
    let out = util::target_dir().join("examples").join(name);
    let wasm_bindgen =
        which("wasm-bindgen").ok_or("wasm-bindgen not found; run `cargo xtask setup`")?;
    run(Command::new(wasm_bindgen)
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&out)
        .arg(&wasm))?;
    for file in PAGE_FILES {
        let page = util::root().join("examples").join(name).join(file);
        fs::copy(&page, out.join(file))
            .map_err(|e| format!("cannot copy {}: {e}", page.display()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn takes_an_example_and_a_port() {
        let options = parse_args(&args(&["leptos-chat", "--port", "9000"])).unwrap();
        assert_eq!(options.name, "leptos-chat");
        assert_eq!(options.port.as_deref(), Some("9000"));
        let options = parse_args(&args(&["--port=0", "yew-chat"])).unwrap();
        assert_eq!(
            (options.name.as_str(), options.port.as_deref()),
            ("yew-chat", Some("0"))
        );
        assert_eq!(parse_args(&args(&["yew-chat"])).unwrap().port, None);
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            &[][..],
            &["svelte-chat"],
            &["yew-chat", "leptos-chat"],
            &["yew-chat", "--port"],
            &["yew-chat", "--port", "http"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
