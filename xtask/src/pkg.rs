//! `cargo xtask pkg`: builds the npm package into `pkg/`: the library with its `js` feature,
//! wasm-bindgen's `web` output, wasm-opt `-Oz`, and `package.json` + README from
//! `pkg-template/`. Prints the gzipped size of what a user ships.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::WASM_TARGET;
use crate::util::{self, files_under, gzipped, run, Result};

/// The size budget of wasm + JS glue, gzipped (issue: at most 20 KB).
pub const SIZE_BUDGET: u64 = 20 * 1024;

/// The files wasm-bindgen writes that a user does not need.
const UNSHIPPED: [&str; 1] = ["wasm_sse_bg.wasm.d.ts"];

/// Builds the package and returns its directory.
pub fn build() -> Result<PathBuf> {
    let root = util::root();
    let out = root.join("pkg");
    run(util::cargo().args([
        "build",
        "--release",
        "-p",
        "wasm-sse",
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
    ])
    .arg(&wasm))?;
    let bg = out.join("wasm_sse_bg.wasm");
    run(Command::new(npm_bin("wasm-opt")?)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
        ])
        .args([
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-mutable-globals",
        ])
        .args([
            "--enable-multivalue",
            "--strip-debug",
            "--strip-target-features",
        ])
        .arg(&bg)
        .arg("-o")
        .arg(&bg))?;
    for file in UNSHIPPED {
        let _ = fs::remove_file(out.join(file));
    }
    remove_unimported_snippets(&out)?;
    minify_js(&out)?;
    write_package_json(&root, &out)?;
    copy(
        &root.join("pkg-template").join("README.md"),
        &out.join("README.md"),
    )?;
    strip_any(&out.join("wasm_sse.d.ts"))?;
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

/// Minifies the JS glue and snippets in place (esbuild, ESM kept): what users ship is then
/// what we measure. Types and JSDoc live in the `.d.ts`, which stays as generated.
fn minify_js(out: &Path) -> Result {
    let esbuild = npm_bin("esbuild")?;
    let mut files = vec![out.join("wasm_sse.js")];
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

/// wasm-bindgen types the raw exports of `InitOutput` as `any`; `unknown` keeps the public
/// surface free of `any` without changing what is allowed.
fn strip_any(dts: &Path) -> Result {
    let text = read(dts)?;
    let text = [": any,", ": any)", ": any;", "=> any"]
        .iter()
        .fold(text, |text, any| {
            text.replace(any, &any.replace("any", "unknown"))
        });
    fs::write(dts, text).map_err(|e| format!("cannot write {}: {e}", dts.display()))
}

/// Prints (and returns) the gzipped bytes of the wasm and of the JS glue.
pub fn report_size(out: &Path) -> Result<u64> {
    let wasm = gzipped(&out.join("wasm_sse_bg.wasm"))?;
    let mut glue = gzipped(&out.join("wasm_sse.js"))?;
    for snippet in files_under(&out.join("snippets")) {
        glue += gzipped(&snippet)?;
    }
    let total = wasm + glue;
    let verdict = if total <= SIZE_BUDGET {
        "within"
    } else {
        "OVER"
    };
    println!(
        "package size: wasm {wasm} B + JS glue {glue} B = {total} B gzipped ({verdict} the {} B budget)",
        SIZE_BUDGET
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
