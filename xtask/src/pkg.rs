//! `cargo xtask pkg`: builds the npm package into `pkg/`: the library with its `js` feature,
//! wasm-bindgen's `web` output, wasm-opt `-Oz`, the wasm embedded in a JS module
//! (`embed.rs`), and from `pkg-template/` the JS face (the entry `index.js` and its modules,
//! typed by the hand-written `index.d.ts`), the React hook (`react.js`/`.d.ts`),
//! `package.json` and README. Prints the gzipped size of each file.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::embed;
use crate::setup::WASM_TARGET;
use crate::util::{self, files_under, gzipped, run, Result};

/// The size apps of `tests/npm/apps/size/` (measured by `tests/npm/sizes.mjs`, which holds
/// their ceilings): what an app ships is measured as its bundler emits it.
pub const SIZE_APPS: [&str; 4] = ["connect", "stream", "subscribe", "peer"];

/// The wasm features Rust 1.95 emits (and `simd128`, which `.cargo/config.toml` turns on), which
/// wasm-opt must be told about; the benchmark's builds use them too.
pub const WASM_OPT_FEATURES: [&str; 7] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-mutable-globals",
    "--enable-multivalue",
    "--enable-simd",
];

/// The files wasm-bindgen writes that a user does not need (the glue is internal, typed by
/// nobody; the wasm is shipped inside `wasm_sse_bg.wasm.js`).
const UNSHIPPED: [&str; 3] = ["wasm_sse_bg.wasm.d.ts", "wasm_sse.d.ts", "wasm_sse_bg.wasm"];

/// The JS face from `pkg-template/`: the entry and its modules (what `import "wasm-sse"`
/// loads, with the glue and the wasm).
const FACE: [&str; 6] = [
    "index.js",
    "service.js",
    "subscription.js",
    "live.js",
    "options.js",
    "sink.js",
];

/// Also copied from `pkg-template/`: the types, the React hook, the README.
const TEMPLATE_FILES: [&str; 4] = ["index.d.ts", "react.js", "react.d.ts", "README.md"];

/// wasm-bindgen's glue and the wasm module, loaded by the face.
const GLUE: [&str; 2] = ["wasm_sse.js", "wasm_sse_bg.wasm.js"];

/// Copied from the repository root: the licence texts the package's `license` names.
const LICENSE_FILES: [&str; 2] = ["LICENSE-MIT", "LICENSE-APACHE"];

/// Shipped, but loaded only by `import "wasm-sse/react"`.
const REACT_ENTRY: &str = "react.js";

/// Builds the package and returns its directory.
pub fn build() -> Result<PathBuf> {
    let root = util::root();
    let out = root.join("pkg");
    run(util::cargo().args([
        "build",
        "--release",
        "-p",
        "wasm-sse",
        // Without `std`: a panic traps, and no formatting machinery is linked.
        "--no-default-features",
        "--features",
        "js",
        "--target",
        WASM_TARGET,
    ]))?;
    let wasm = util::target_dir()
        .join(WASM_TARGET)
        .join("release")
        .join("wasm_sse.wasm");
    let _ = fs::remove_dir_all(&out);
    run(Command::new(
        util::which("wasm-bindgen")
            .ok_or("wasm-bindgen is not installed: run cargo xtask setup")?,
    )
    .args(["--target", "web", "--out-dir"])
    .arg(&out)
    .args([
        "--out-name",
        "wasm_sse",
        "--remove-name-section",
        "--remove-producers-section",
        // No `new URL("wasm_sse_bg.wasm", import.meta.url)`: index.js passes the bytes.
        "--omit-default-module-path",
    ])
    .arg(&wasm))?;
    let bg = out.join("wasm_sse_bg.wasm");
    run(Command::new(npm_bin("wasm-opt")?)
        .arg("-Oz")
        .args(WASM_OPT_FEATURES)
        .args(["--strip-debug", "--strip-target-features"])
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    embed::wasm_as_js_module(&bg, &out.join("wasm_sse_bg.wasm.js"))?;
    let template = root.join("pkg-template");
    for file in FACE.iter().chain(&TEMPLATE_FILES) {
        copy(&template.join(file), &out.join(file))?;
    }
    for file in LICENSE_FILES {
        copy(&root.join(file), &out.join(file))?;
    }
    for file in UNSHIPPED {
        let _ = fs::remove_file(out.join(file));
    }
    remove_unimported_snippets(&out)?;
    minify_js(&out)?;
    write_package_json(&root, &out)?;
    report_size(&out)?;
    Ok(out)
}

/// wasm-bindgen writes every `inline_js` snippet of the crate, even those the glue never imports
/// (the core's panic guard is not used by the JS face): a user needs only the imported ones.
fn remove_unimported_snippets(out: &Path) -> Result {
    let glue = read(&out.join("wasm_sse.js"))?;
    for snippet in files_under(&out.join("snippets")) {
        let relative = snippet
            .strip_prefix(out)
            .unwrap_or(&snippet)
            .to_string_lossy()
            .into_owned();
        if !glue.contains(&relative) {
            fs::remove_file(&snippet).map_err(|e| format!("cannot remove {relative}: {e}"))?;
        }
    }
    Ok(())
}

/// Minifies the JS (glue, snippets, entry, hook) in place (esbuild, ESM kept): what users ship
/// is then what we measure. Types and JSDoc live in the `.d.ts` files.
fn minify_js(out: &Path) -> Result {
    let esbuild = npm_bin("esbuild")?;
    let mut files = vec![out.join("wasm_sse.js"), out.join(REACT_ENTRY)];
    files.extend(FACE.iter().map(|file| out.join(file)));
    files.extend(files_under(&out.join("snippets")));
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "js"))
    {
        run(Command::new(&esbuild)
            .arg(file)
            .args([
                "--minify",
                "--format=esm",
                "--log-level=warning",
                "--allow-overwrite",
            ])
            .arg(format!("--outfile={}", file.display())))?;
    }
    Ok(())
}

/// A tool from the npm tooling in `tests/npm` (installed by `cargo xtask setup`).
pub fn npm_bin(name: &str) -> Result<PathBuf> {
    let path = util::root().join("tests/npm/node_modules/.bin").join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: run cargo xtask setup",
            path.display()
        ))
    }
}

/// `pkg-template/package.json` with the crate's version.
fn write_package_json(root: &Path, out: &Path) -> Result {
    let template = read(&root.join("pkg-template").join("package.json"))?;
    let version = crate_version(&read(&root.join("Cargo.toml"))?)?;
    let placeholder = "\"version\": \"0.0.0\"";
    if !template.contains(placeholder) {
        return Err(format!(
            "pkg-template/package.json must contain {placeholder}"
        ));
    }
    let json = template.replace(placeholder, &format!("\"version\": \"{version}\""));
    fs::write(out.join("package.json"), json).map_err(|e| format!("cannot write package.json: {e}"))
}

/// The `version` of the `[package]` section of a Cargo.toml.
fn crate_version(manifest: &str) -> Result<String> {
    let package = manifest
        .split("\n[")
        .find(|section| section.starts_with("package]"))
        .ok_or("Cargo.toml has no [package] section")?;
    package
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .ok_or_else(|| "[package] has no version".to_string())
}

/// Gzipped bytes of what `import "wasm-sse"` loads: (the wasm module, the rest of the JS).
pub fn main_entry_size(out: &Path) -> Result<(u64, u64)> {
    let wasm = gzipped(&out.join("wasm_sse_bg.wasm.js"))?;
    let mut js = gzipped(&out.join("wasm_sse.js"))?;
    for file in FACE {
        js += gzipped(&out.join(file))?;
    }
    for snippet in files_under(&out.join("snippets")) {
        js += gzipped(&snippet)?;
    }
    Ok((wasm, js))
}

/// Prints the gzipped size of each shipped JS file and of the main entry (what
/// `import "wasm-sse"` loads); returns that total.
pub fn report_size(out: &Path) -> Result<u64> {
    let mut files: Vec<PathBuf> = FACE.iter().chain(&GLUE).map(|f| out.join(f)).collect();
    files.extend(files_under(&out.join("snippets")));
    for file in &files {
        let name = file.strip_prefix(out).unwrap_or(file).display();
        println!("  {:>6} B gzipped  {name}", gzipped(file)?);
    }
    let (wasm, js) = main_entry_size(out)?;
    let total = wasm + js;
    println!(
        "package size (import \"wasm-sse\"): wasm module {wasm} B + other JS {js} B = {total} B gzipped, each file alone (what an app ships, bundled: tests/npm/sizes.mjs)"
    );
    println!(
        "  {:>6} B gzipped  {REACT_ENTRY} (only with import \"wasm-sse/react\")",
        gzipped(&out.join(REACT_ENTRY))?
    );
    Ok(total)
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {}: {e}", from.display()))
}

#[cfg(test)]
mod tests {
    use super::crate_version;

    #[test]
    fn reads_the_package_version_not_a_dependency_version() {
        let manifest = "[workspace]\nmembers = []\n\n[package]\nname = \"x\"\nversion = \"1.2.3\"\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(crate_version(manifest).unwrap(), "1.2.3");
    }
}
