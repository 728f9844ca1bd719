//! `cargo xtask`: the project's tasks in plain Rust (the alias is in
//! `.cargo/config.toml`).

mod bench;
mod demo;
mod embed;
mod example;
mod npm_tests;
mod pkg;
mod server;
mod setup;
mod test;
mod util;
mod xvfb;

use std::env;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  bench    setup (skips what is there), then throughput, latency, memory and size against raw
           EventSource and the peers, in headless Chromium; writes docs/benchmarks.md,
           docs/benchmarks.svg, bench/results.json
           [--smoke] (few messages, one run; writes under target/bench/smoke/ instead)
           [--report] (rewrites docs/benchmarks.md and .svg from bench/results.json)
  demo     build the npm package and serve the streaming chat demo (www/) until Ctrl-C
           [--port N] (default 8080 or env PORT; 0 = a free port; the address is the first line)
  example  build an example app (yew-chat, leptos-chat) and serve it until Ctrl-C
           <yew-chat|leptos-chat> [--port N] (default 8080 or env PORT)
  pkg      setup (skips what is there), then build the npm package into pkg/ (wasm-bindgen,
           wasm-opt, package.json from pkg-template/)
  setup    install the wasm target, wasm-bindgen-cli, browsers and drivers (skips what is there)
  test     setup, fmt, clippy, native tests, then the browser tests against the SSE test server
           in Chromium, Firefox and WebKit [--browser chromium|firefox|webkit] [--skip-setup]
  test-npm only the npm package's consumer tests (the `npm package` step of `test`): pkg,
           npm pack, the apps of tests/npm/apps installed from the tarball, node --test (the
           behaviour suite in Chromium, Firefox and WebKit; what the size apps ship, within
           their ceilings)";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match command {
        "setup" if rest.is_empty() => setup::run_setup().map(|()| true),
        "test" => test::run_test(rest),
        "test-npm" if rest.is_empty() => npm_tests::run_alone().map(|()| true),
        "pkg" if rest.is_empty() => setup::run_setup().and_then(|()| pkg::build()).map(|_| true),
        "demo" => demo::run_demo(rest),
        "example" => example::run_example(rest),
        "bench" => bench::run_bench(rest),
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(true)
        }
        _ => Err(format!("unknown command `{}`\n{USAGE}", args.join(" "))),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        // The failure was already reported.
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}
