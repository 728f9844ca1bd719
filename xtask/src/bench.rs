//! `cargo xtask bench [--smoke]`: throughput, latency, memory and size of wasm-sse against raw
//! `EventSource` and its peers, in one headless Chromium against the workspace's SSE server.
//!
//! This file builds what the page loads and measures the sizes; `bench/run.mjs` drives the
//! browser and writes the report. Everything the page loads is served by the SSE server from
//! two static roots, so page, builds and streams share one origin:
//! - `bench/page/` (the page and its harness);
//! - `target/bench/<mode>/site/`: `wasm-sse/` (the npm package as built by `cargo xtask pkg`),
//!   `wasm-sse-named/` (the same package with function names in its wasm, for CPU profiles),
//!   `rust/` (the `bench/wasm` crate: the Rust contenders), `peers/` (the JS peers, bundled by
//!   esbuild).
//!
//! The full run writes `docs/benchmarks.md`, `docs/benchmarks.svg` and `bench/results.json`;
//! `--smoke` (few messages, one run, no profiles; a step of `cargo xtask test`) writes the same
//! files under `target/bench/smoke/` and fails only if a contender misses messages. `--report`
//! rewrites the report and chart from `bench/results.json` (e.g. after editing
//! `bench/notes.md`, the hand-written findings the report ends with), running nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::embed;
use crate::npm_tests;
use crate::pkg::{self, npm_bin, WASM_OPT_FEATURES};
use crate::server;
use crate::setup::{self, WASM_TARGET};
use crate::util::{self, gzipped, output, Result};

const USAGE: &str = "usage: cargo xtask bench [--smoke | --report]";

/// The crate of the Rust contenders, and the two minimal apps compared for size.
const BENCH_CRATE: &str = "wasm-sse-bench";
const SIZE_APPS: [(&str, &str); 2] = [
    ("wasm-sse", "bench-size-wasm-sse"),
    ("gloo-net + serde-wasm-bindgen", "bench-size-gloo"),
];

/// What the minimal Rust app with wasm-sse may ship (wasm + glue, gzipped): today's figure and a
/// little room, so it grows only by a commit that raises this line. Issue 19's goal is the
/// gloo-net app's size plus 12 KB.
const RUST_APP_CEILING: u64 = 70_500;

/// The twiggy `cargo xtask bench` installs for the size report's split of the module.
const TWIGGY_VERSION: &str = "0.8.0";

/// The JS peers: name, the bundle's file name, and the entry esbuild bundles.
const PEERS: [(&str, &str, &str); 5] = [
    (
        "reconnecting-eventsource",
        "reconnecting-eventsource.js",
        "export { default } from \"reconnecting-eventsource\";\n",
    ),
    (
        "@microsoft/fetch-event-source",
        "fetch-event-source.js",
        "export { fetchEventSource } from \"@microsoft/fetch-event-source\";\n",
    ),
    (
        "eventsource",
        "eventsource.js",
        "export { EventSource } from \"eventsource\";\n",
    ),
    (
        "eventsource-parser",
        "eventsource-parser.js",
        "export { EventSourceParserStream } from \"eventsource-parser/stream\";\n",
    ),
    (
        "fetch-event-stream",
        "fetch-event-stream.js",
        "export { stream } from \"fetch-event-stream\";\n",
    ),
];

/// `cargo xtask bench [--smoke | --report]`.
pub fn run_bench(args: &[String]) -> Result<bool> {
    match args {
        // Like `test` and `demo`: what is missing is installed first (a fresh clone has none
        // of the peers or wasm-opt).
        [] => setup::run_setup().and_then(|()| run(false)),
        [flag] if flag == "--smoke" => setup::run_setup().and_then(|()| run(true)),
        [flag] if flag == "--report" => report(),
        _ => Err(format!("unknown arguments `{}`\n{USAGE}", args.join(" "))),
    }
    .map(|()| true)
}

/// Where a run writes its results, report and chart.
struct Outputs {
    json: PathBuf,
    md: PathBuf,
    svg: PathBuf,
}

impl Outputs {
    fn new(smoke: bool) -> Self {
        let root = util::root();
        let dir = util::target_dir().join("bench").join("smoke");
        let (json, docs) = if smoke {
            (dir.join("results.json"), dir)
        } else {
            (root.join("bench/results.json"), root.join("docs"))
        };
        Outputs {
            json,
            md: docs.join("benchmarks.md"),
            svg: docs.join("benchmarks.svg"),
        }
    }

    /// `node bench/run.mjs` with the output paths and the notes set.
    fn node(&self, mode: &str) -> Command {
        let root = util::root();
        let mut node = Command::new("node");
        node.arg(root.join("bench/run.mjs"))
            .current_dir(&root)
            .env("BENCH_MODE", mode)
            .env("BENCH_JSON", &self.json)
            .env("BENCH_MD", &self.md)
            .env("BENCH_SVG", &self.svg)
            .env("BENCH_NOTES", root.join("bench/notes.md"));
        node
    }
}

/// `--report`: rewrites docs/benchmarks.md and .svg from bench/results.json (e.g. after editing
/// bench/notes.md), running nothing.
fn report() -> Result {
    let outputs = Outputs::new(false);
    if !outputs.json.is_file() {
        return Err(format!(
            "{} is missing: run cargo xtask bench first",
            outputs.json.display()
        ));
    }
    util::run(outputs.node("full").env("BENCH_RENDER_ONLY", "1"))
}

/// Builds everything, runs the benchmark and writes its report.
pub fn run(smoke: bool) -> Result {
    let root = util::root();
    let mode = if smoke { "smoke" } else { "full" };
    let work = util::target_dir().join("bench").join(mode);
    let site = work.join("site");
    remove_dir(&site)?;
    create_dir(&site)?;

    let package = build_package(&site)?;
    let apps = build_rust(&work, &site)?;
    let ours = apps[0].1.wasm + apps[0].1.glue;
    if ours > RUST_APP_CEILING {
        return Err(format!(
            "the minimal Rust app ships {ours} B gzipped, over its {RUST_APP_CEILING} B ceiling (xtask/src/bench.rs)"
        ));
    }
    let peers = bundle_peers(&root, &work, &site)?;
    // The size report's figures (the npm tests check the apps' ceilings on every run).
    let (vite, split) = if smoke {
        ("{}".to_string(), "[]".to_string())
    } else {
        let named = site.join("wasm-sse-named").join("wasm_sse_bg.wasm");
        (measure_size_apps(&work)?, twiggy_split(&work, &named)?)
    };
    let sizes = work.join("sizes.json");
    write(&sizes, &sizes_json(package, &peers, &apps, &vite, &split))?;

    let server = server::start_with(&[&root.join("bench/page"), &site])?;
    println!("server at {} (log: {})", server.url, server.log.display());
    let rustc = output(Command::new("rustc").arg("--version")).unwrap_or_default();
    util::run(
        Outputs::new(smoke)
            .node(mode)
            .env("BENCH_URL", &server.url)
            .env("BENCH_SIZES", &sizes)
            .env("BENCH_RUSTC", rustc.trim()),
    )
}

/// What the size apps of `tests/npm/apps/size/` ship (Vite production builds), as JSON.
fn measure_size_apps(work: &Path) -> Result<String> {
    let out = work.join("vite.json");
    util::run(
        Command::new("node")
            .arg(util::root().join("tests/npm/sizes.mjs"))
            .arg(&out)
            .current_dir(util::root()),
    )?;
    read(&out)
}

/// Every item of the npm package's wasm with its size (`twiggy top`, JSON), from the build
/// that keeps function names (otherwise the same code). Installs twiggy if it is missing.
fn twiggy_split(work: &Path, named: &Path) -> Result<String> {
    if util::which("twiggy").is_none() {
        util::run(util::cargo().args(["install", "twiggy", "--version", TWIGGY_VERSION]))?;
    }
    let out = work.join("twiggy.json");
    util::run(
        Command::new(util::which("twiggy").ok_or("twiggy is not on PATH after its install")?)
            .args(["top", "-n", "100000", "--format", "json", "-o"])
            .arg(&out)
            .arg(named),
    )?;
    read(&out)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Gzipped bytes of a wasm module and its JS glue.
#[derive(Clone, Copy)]
struct Size {
    wasm: u64,
    glue: u64,
}

/// `cargo xtask pkg`, copied into the site (so a concurrent rebuild of `pkg/` cannot disturb the
/// page), plus a build of the same wasm that keeps function names, for the CPU profiles.
fn build_package(site: &Path) -> Result<Size> {
    // Installed into the consumer apps too, for the size apps.
    npm_tests::install()?;
    let pkg_dir = util::root().join("pkg");
    let shipped = site.join("wasm-sse");
    copy_dir(&pkg_dir, &shipped)?;
    let (wasm, glue) = pkg::main_entry_size(&shipped)?;
    let size = Size { wasm, glue };

    // The same package around a wasm that keeps its function names: the JS face copied, the
    // glue and the embedded module replaced.
    let named = site.join("wasm-sse-named");
    copy_dir(&pkg_dir, &named)?;
    wasm_bindgen(&release_wasm("wasm_sse"), &named, "wasm_sse", true)?;
    let named_wasm = named.join("wasm_sse_bg.wasm");
    wasm_opt(&named_wasm, true)?;
    embed::wasm_as_js_module(&named_wasm, &named.join("wasm_sse_bg.wasm.js"))?;
    Ok(size)
}

/// The Rust contenders (`bench/wasm`, names kept for profiles) and the two minimal apps
/// (shipped as a user would: no names, `wasm-opt -Oz`, glue minified). Returns the apps' sizes.
fn build_rust(work: &Path, site: &Path) -> Result<Vec<(&'static str, Size)>> {
    let mut cargo = util::cargo();
    cargo.args([
        "build",
        "--release",
        "--target",
        WASM_TARGET,
        "-p",
        BENCH_CRATE,
    ]);
    for (_, krate) in SIZE_APPS {
        cargo.args(["-p", krate]);
    }
    util::run(&mut cargo)?;
    wasm_bindgen(
        &release_wasm(&BENCH_CRATE.replace('-', "_")),
        &site.join("rust"),
        "wasm_sse_bench",
        true,
    )?;
    let mut sizes = Vec::new();
    for (name, krate) in SIZE_APPS {
        let out = work.join("size").join(krate);
        remove_dir(&out)?;
        let stem = krate.replace('-', "_");
        wasm_bindgen(&release_wasm(&stem), &out, &stem, false)?;
        let wasm = out.join(format!("{stem}_bg.wasm"));
        wasm_opt(&wasm, false)?;
        let glue = out.join(format!("{stem}.js"));
        esbuild(&glue, &glue, false)?;
        sizes.push((
            name,
            Size {
                wasm: gzipped(&wasm)?,
                glue: gzipped(&glue)?,
            },
        ));
    }
    Ok(sizes)
}

/// Bundles each JS peer (minified ESM) into `site/peers/`; returns their gzipped sizes.
fn bundle_peers(root: &Path, work: &Path, site: &Path) -> Result<Vec<(&'static str, u64)>> {
    let entries = work.join("peer-entries");
    create_dir(&entries)?;
    let mut sizes = Vec::new();
    for (name, file, entry) in PEERS {
        let source = entries.join(file);
        write(&source, entry)?;
        let bundle = site.join("peers").join(file);
        let mut cmd = esbuild_command(&source, &bundle, true)?;
        // The peers are installed with the rest of the npm tooling, in tests/npm.
        cmd.env("NODE_PATH", root.join("tests/npm/node_modules"));
        util::run(&mut cmd)?;
        sizes.push((name, gzipped(&bundle)?));
    }
    Ok(sizes)
}

fn release_wasm(stem: &str) -> PathBuf {
    util::target_dir()
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{stem}.wasm"))
}

/// `wasm-bindgen --target web`; `keep_names` keeps the name section (for readable profiles).
fn wasm_bindgen(wasm: &Path, out: &Path, name: &str, keep_names: bool) -> Result {
    let cli = util::which("wasm-bindgen")
        .ok_or("wasm-bindgen is not installed: run cargo xtask setup")?;
    let mut cmd = Command::new(cli);
    cmd.args(["--target", "web", "--out-dir"])
        .arg(out)
        .args(["--out-name", name]);
    if !keep_names {
        cmd.args(["--remove-name-section", "--remove-producers-section"]);
    }
    util::run(cmd.arg(wasm))
}

/// `wasm-opt -Oz` in place: with function names (`-g`), or stripped as `cargo xtask pkg` does.
fn wasm_opt(wasm: &Path, keep_names: bool) -> Result {
    let mut cmd = Command::new(npm_bin("wasm-opt")?);
    cmd.arg("-Oz").args(WASM_OPT_FEATURES);
    if keep_names {
        cmd.arg("-g");
    } else {
        cmd.args(["--strip-debug", "--strip-target-features"]);
    }
    util::run(cmd.arg(wasm).arg("-o").arg(wasm))
}

fn esbuild_command(entry: &Path, out: &Path, bundle: bool) -> Result<Command> {
    let mut cmd = Command::new(npm_bin("esbuild")?);
    cmd.arg(entry)
        .args([
            "--minify",
            "--format=esm",
            "--log-level=warning",
            "--allow-overwrite",
        ])
        .arg(format!("--outfile={}", out.display()));
    if bundle {
        cmd.arg("--bundle");
    }
    Ok(cmd)
}

fn esbuild(entry: &Path, out: &Path, bundle: bool) -> Result {
    util::run(&mut esbuild_command(entry, out, bundle)?)
}

/// The sizes as JSON for `bench/run.mjs` (`vite` and `split` are JSON already).
fn sizes_json(
    package: Size,
    peers: &[(&str, u64)],
    apps: &[(&str, Size)],
    vite: &str,
    split: &str,
) -> String {
    let size = |s: Size| {
        format!(
            "{{\"wasm\": {}, \"glue\": {}, \"total\": {}}}",
            s.wasm,
            s.glue,
            s.wasm + s.glue
        )
    };
    let peers: Vec<String> = peers
        .iter()
        .map(|(name, bytes)| format!("\"{name}\": {bytes}"))
        .collect();
    let apps: Vec<String> = apps
        .iter()
        .map(|(name, s)| format!("\"{name}\": {}", size(*s)))
        .collect();
    format!(
        "{{\n  \"package\": {},\n  \"peers\": {{{}}},\n  \"apps\": {{{}}},\n  \"vite\": {},\n  \"twiggy\": {}\n}}\n",
        size(package),
        peers.join(", "),
        apps.join(", "),
        vite.trim(),
        split.trim()
    )
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    create_dir(to)?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", from.display()))?
            .path();
        let target = to.join(path.file_name().expect("a directory entry has a name"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn remove_dir(dir: &Path) -> Result {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

fn write(path: &Path, text: &str) -> Result {
    create_dir(path.parent().expect("a file has a parent"))?;
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_arguments() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(run_bench(&args(&["--fast"])).is_err());
        assert!(run_bench(&args(&["--smoke", "--smoke"])).is_err());
    }

    #[test]
    fn sizes_are_json() {
        let size = Size { wasm: 10, glue: 2 };
        let json = sizes_json(size, &[("a", 5)], &[("b", size)], "{}", "[]");
        assert_eq!(
            json,
            "{\n  \"package\": {\"wasm\": 10, \"glue\": 2, \"total\": 12},\n  \"peers\": {\"a\": 5},\n  \"apps\": {\"b\": {\"wasm\": 10, \"glue\": 2, \"total\": 12}},\n  \"vite\": {},\n  \"twiggy\": []\n}\n"
        );
    }
}
