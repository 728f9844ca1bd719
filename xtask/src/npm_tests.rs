//! The npm package's consumer tests (`tests/npm/`): build `pkg/`, pack it as a user would get
//! it, lint the tarball (publint, attw), install it into `tests/npm/apps/` (whose apps share
//! that `node_modules`), then `node --test tests/npm/run.mjs`: the `npm pack` file list, `tsc`
//! under several tsconfigs, a Node consumer, the behaviour suite in each browser asked for
//! (Chromium, Firefox, WebKit), and in one headless Chromium every consumer app (plain page,
//! React + Vite, Vue + Vite, webpack; dev servers and builds).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::pkg;
use crate::server;
use crate::test::Browser;
use crate::util::{self, Result};
use crate::xvfb::{self, Display};

/// `cargo xtask test-npm`: the SSE test server serving the repository root, then [`run`] in
/// every browser.
pub fn run_alone() -> Result {
    let server = server::start_with(&[&util::root()])?;
    println!("server at {} (log: {})", server.url, server.log.display());
    let display = xvfb::start()?;
    run(&server.url, &Browser::ALL, Some(&display))
}

/// Runs the tests against the SSE test server at `server_url`, which must serve the
/// repository root (the pages live under `/tests/npm/`, the package under `/pkg/`), with the
/// behaviour suite in each of `browsers` (WebKit draws on `display`).
pub fn run(server_url: &str, browsers: &[Browser], display: Option<&Display>) -> Result {
    let root = util::root();
    let tarball = install()?;
    lint(&tarball)?;

    let started = Instant::now();
    let names: Vec<&str> = browsers.iter().map(|b| b.name()).collect();
    let suite_browsers = names.join(",");
    let mut node = Command::new("node");
    node.args(["--test", "--test-reporter", "spec"])
        .arg(root.join("tests/npm/run.mjs"))
        .env("SSE_SERVER_URL", server_url)
        .env("SUITE_BROWSERS", &suite_browsers)
        // geckodriver may sit in ~/.cargo/bin, off PATH.
        .env("PATH", util::path_with_cargo_bin())
        .current_dir(&root);
    if let Some(firefox) = crate::setup::firefox_binary() {
        node.env("FIREFOX_BINARY", firefox);
    }
    if let Some(display) = display {
        node.env("DISPLAY", &display.name);
    }
    println!("SSE_SERVER_URL={server_url} SUITE_BROWSERS={suite_browsers}");
    let result = util::run(&mut node);
    println!(
        "npm consumer tests took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    result
}

/// Builds `pkg/`, packs it as a user would get it and installs the tarball into the consumer
/// apps (`tests/npm/apps/`), emptied of any earlier install or build first, so the apps get
/// exactly this tarball and no bundler cache of an older one. Returns the tarball.
pub fn install() -> Result<PathBuf> {
    let pkg_dir = pkg::build()?;
    let tarball = pack(&pkg_dir, &util::target_dir().join("npm"))?;
    let apps = util::root().join("tests/npm/apps");
    remove_dir(&apps.join("node_modules"))?;
    let bundled = ["vite-react", "vue", "webpack"].map(|app| apps.join(app));
    let sized = pkg::SIZE_APPS.map(|app| apps.join("size").join(app));
    for app in bundled.iter().chain(&sized) {
        remove_dir(&app.join("dist"))?;
    }
    util::run(
        Command::new("npm")
            .args(["install", "--no-save", "--no-package-lock"])
            .args(["--no-audit", "--no-fund", "--ignore-scripts"])
            .arg(&tarball)
            .current_dir(&apps),
    )?;
    Ok(tarball)
}

/// What a registry's users would trip on, in the tarball as published: publint (package.json
/// against the files; warnings fail too) and Are the Types Wrong (the types each resolution
/// sees). The package is ESM only, as its top-level `await` needs: attw's `esm-only` profile
/// leaves out `require` from CommonJS, which cannot load it.
fn lint(tarball: &Path) -> Result {
    util::run(
        Command::new(pkg::npm_bin("publint")?)
            .args(["run", "--strict"])
            .arg(tarball),
    )?;
    util::run(
        Command::new(pkg::npm_bin("attw")?)
            .args(["--profile", "esm-only", "--no-emoji", "--no-color"])
            .arg(tarball),
    )
}

/// `npm pack` of `pkg_dir` into `out_dir` (emptied first); returns the tarball's path.
fn pack(pkg_dir: &Path, out_dir: &Path) -> Result<PathBuf> {
    remove_dir(out_dir)?;
    fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut cmd = Command::new("npm");
    cmd.arg("pack")
        .arg(pkg_dir)
        .arg("--pack-destination")
        .arg(out_dir)
        .stderr(Stdio::inherit());
    println!("$ {}", util::show(&cmd));
    let output = cmd
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", util::show(&cmd)))?;
    if !output.status.success() {
        return Err(format!("`{}` failed ({})", util::show(&cmd), output.status));
    }
    // npm prints the tarball's file name last.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let name = stdout
        .lines()
        .map(str::trim)
        .rfind(|line| line.ends_with(".tgz"))
        .ok_or_else(|| format!("npm pack printed no tarball name: {stdout:?}"))?;
    let tarball = out_dir.join(name);
    if !tarball.is_file() {
        return Err(format!("npm pack did not write {}", tarball.display()));
    }
    println!("packed {}", tarball.display());
    Ok(tarball)
}

fn remove_dir(dir: &Path) -> Result {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}
