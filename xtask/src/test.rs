//! `cargo xtask test`: the whole check, as CI runs it.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::bench;
use crate::npm_tests;
use crate::server::{self, Proxy, Server};
use crate::setup::{self, WASM_TARGET};
use crate::util::{self, run, which, Result};
use crate::xvfb::{self, Display};

const USAGE: &str = "usage: cargo xtask test [--browser chromium|firefox|webkit] [--skip-setup]";

/// Per-test timeout for the browser tests (the runner's default is 20 s).
const BROWSER_TEST_TIMEOUT_SECS: &str = "300";

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Browser {
    Chromium,
    Firefox,
    /// WebKitGTK's MiniBrowser, the engine family of Safari, under Xvfb.
    Webkit,
}

impl Browser {
    pub const ALL: [Browser; 3] = [Browser::Chromium, Browser::Firefox, Browser::Webkit];

    pub fn name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
            Browser::Webkit => "webkit",
        }
    }

    /// The env var that makes wasm-bindgen-test-runner use this driver. The runner knows no
    /// WebKitWebDriver, but drives it as a safaridriver: both speak W3C WebDriver, and
    /// WebKitWebDriver takes the runner's `--port=N`. (The runner picks geckodriver, then
    /// safaridriver, then chromedriver, so we set only one.)
    fn driver_var(self) -> &'static str {
        match self {
            Browser::Chromium => "CHROMEDRIVER",
            Browser::Firefox => "GECKODRIVER",
            Browser::Webkit => "SAFARIDRIVER",
        }
    }

    fn driver(self) -> Result<PathBuf> {
        let name = match self {
            Browser::Chromium => "chromedriver",
            Browser::Firefox => "geckodriver",
            Browser::Webkit => "WebKitWebDriver",
        };
        which(name).ok_or_else(|| format!("{name} not found; run `cargo xtask setup`"))
    }

    /// Extra WebDriver capabilities, merged by the runner with its own
    /// (headless, and for Chrome no-sandbox and disable-dev-shm-usage). None for WebKit: the
    /// runner sends a safaridriver no capabilities at all, and WebKitWebDriver's defaults are
    /// what we want (the MiniBrowser with `--automation`).
    fn capabilities(self) -> Result<Option<String>> {
        Ok(Some(match self {
            // The network here is closed: keep Chromium from phoning home,
            // which only slows start-up and fills the logs. `gc()` for the liveness tests.
            Browser::Chromium => r#"{"goog:chromeOptions":{"args":["--js-flags=--expose-gc","--disable-gpu","--disable-dev-shm-usage","--no-sandbox","--disable-background-networking","--disable-component-update","--disable-sync","--no-first-run"]}}"#.to_string(),
            // Debian installs `firefox-esr`; geckodriver looks for `firefox`
            // only, so name the binary.
            Browser::Firefox => {
                let binary = setup::firefox_binary()
                    .ok_or("firefox not found; run `cargo xtask setup`")?;
                format!(
                    r#"{{"moz:firefoxOptions":{{"binary":"{}"}}}}"#,
                    json_escape(&binary.to_string_lossy())
                )
            }
            Browser::Webkit => return Ok(None),
        }))
    }
}

struct Options {
    browsers: Vec<Browser>,
    skip_setup: bool,
}

fn parse_args(args: &[String]) -> Result<Options> {
    let mut options = Options {
        browsers: Browser::ALL.to_vec(),
        skip_setup: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let browser = match arg.as_str() {
            "--skip-setup" => {
                options.skip_setup = true;
                continue;
            }
            "--browser" => args.next().map(String::as_str).unwrap_or(""),
            other => match other.strip_prefix("--browser=") {
                Some(browser) => browser,
                None => return Err(format!("unknown argument `{other}`\n{USAGE}")),
            },
        };
        let browser = Browser::ALL
            .into_iter()
            .find(|b| b.name() == browser)
            .ok_or_else(|| format!("unknown browser `{browser}`\n{USAGE}"))?;
        options.browsers = vec![browser];
    }
    Ok(options)
}

/// Runs the steps in order and stops at the first failure. Returns whether
/// all passed; the summary line is the last thing printed either way.
pub fn run_test(args: &[String]) -> Result<bool> {
    let options = parse_args(args)?;
    let mut pipeline = Pipeline::default();
    let _ = (|| -> Option<()> {
        if !options.skip_setup {
            pipeline.step("setup", setup::run_setup)?;
        }
        pipeline.step("cargo fmt", || cargo("fmt --all -- --check"))?;
        pipeline.step("cargo clippy (native)", || {
            cargo("clippy --workspace --all-targets -- -D warnings")
        })?;
        pipeline.step("cargo clippy (wasm32, with the JS face)", || {
            cargo(&format!(
                "clippy -p wasm-sse --target {WASM_TARGET} --all-targets --features js -- -D warnings"
            ))
        })?;
        pipeline.step("cargo clippy (wasm32, yew + leptos)", || {
            cargo(&format!(
                "clippy -p wasm-sse --target {WASM_TARGET} --all-targets --features yew,leptos -- -D warnings"
            ))
        })?;
        pipeline.step(
            "no Yew or Leptos without their features",
            no_framework_by_default,
        )?;
        pipeline.step("example apps build (wasm32)", || {
            cargo(&format!(
                "build --target {WASM_TARGET} -p yew-chat -p leptos-chat"
            ))
        })?;
        pipeline.step("cargo test (native)", || cargo("test --workspace"))?;
        pipeline.step("hooks (native): rustdoc examples, Leptos ssr", || {
            cargo("test -p wasm-sse --doc --features yew,leptos")?;
            cargo("clippy -p wasm-sse --all-targets --features ssr -- -D warnings")?;
            cargo("test -p wasm-sse --features ssr --test leptos_ssr")
        })?;
        // The crate as crates.io would get it: only what `include` lists, and it must build.
        // `--allow-dirty`: this checks what is packed from the tree as it is; publishing a
        // committed tree is the release's concern.
        pipeline.step("crate: cargo publish --dry-run", || {
            cargo("publish --dry-run -p wasm-sse --allow-dirty")
        })?;
        // The guard lives until the end of this closure, then stops the server.
        let server = pipeline.step("start the SSE test server", || {
            let server = server::start()?;
            println!("server at {} (log: {})", server.url, server.log.display());
            Ok(server)
        })?;
        // The fault-injection proxy in front of it, for tests/fault.rs; it lives as long as
        // the server. `FAULT_SEED=<seed>` replays a run's faults.
        let proxy = pipeline.step("start the fault-injection proxy", || {
            let proxy = server::start_proxy(&server)?;
            println!(
                "proxy at {} (seed {}; replay with FAULT_SEED={}; faults logged in {})",
                proxy.url,
                proxy.seed,
                proxy.seed,
                proxy.log.display()
            );
            Ok(proxy)
        })?;
        // WebKit's MiniBrowser draws on a virtual display, for the Rust suites and the npm suite.
        let display = if options.browsers.contains(&Browser::Webkit) {
            Some(pipeline.step("start Xvfb (for WebKit)", xvfb::start)?)
        } else {
            None
        };
        let servers = Servers {
            server: &server,
            proxy: &proxy,
            display: display.as_ref(),
        };
        for &browser in &options.browsers {
            pipeline.step(&format!("browser tests ({})", browser.name()), || {
                browser_tests(browser, servers, &[])
            })?;
        }
        // The framework hooks, in Chromium only.
        if options.browsers.contains(&Browser::Chromium) {
            for (feature, test) in HOOK_TESTS {
                pipeline.step(&format!("{feature} hook tests (chromium)"), || {
                    browser_tests(
                        Browser::Chromium,
                        servers,
                        &["--features", feature, "--test", test],
                    )
                })?;
            }
        }
        pipeline.step(
            "npm package (publint, attw, consumer apps: vite, webpack, plain page, node, tsc; behaviour suite)",
            || {
                let server = server::start_with(&[&util::root()])?;
                npm_tests::run(&server.url, &options.browsers, display.as_ref())
            },
        )?;
        // Tabs sharing one stream (Web Locks + BroadcastChannel), over the pkg/ just built.
        pipeline.step("shared stream across tabs (playwright)", || {
            let server = server::start_with(&[&util::root()])?;
            run(std::process::Command::new("node")
                .args(["--test", "tests/tabs/tabs.test.mjs"])
                .env("SSE_SERVER_URL", &server.url)
                .current_dir(util::root()))
        })?;
        // Starts `cargo xtask demo --port 0` itself and drives Chromium through the page.
        pipeline.step("demo end-to-end (playwright)", || {
            run(std::process::Command::new("node")
                .args(["--test", "tests/e2e/demo.test.mjs"])
                .current_dir(util::root()))
        })?;
        // Few messages, one run, outputs under target/bench/smoke/: every contender must
        // complete with every message; nothing is timed.
        pipeline.step("bench smoke", || bench::run(true))?;
        Some(())
    })();
    pipeline.summary();
    Ok(pipeline.failed == 0)
}

/// Runs cargo with space-separated arguments.
fn cargo(args: &str) -> Result {
    run(util::cargo().args(args.split_whitespace()))
}

/// The hook test suites: (feature, test target).
const HOOK_TESTS: [(&str, &str); 2] = [("yew", "yew_hooks"), ("leptos", "leptos_hooks")];

/// `cargo tree` of the library for wasm32 with no features must hold no Yew or Leptos crate;
/// with both features it must hold both, which shows the check can see them.
fn no_framework_by_default() -> Result {
    let tree = |features: &[&str]| -> Result<String> {
        let mut cmd = util::cargo();
        cmd.args(["tree", "-p", "wasm-sse", "--target", WASM_TARGET])
            .args(["-e", "normal", "--prefix", "none", "--no-default-features"])
            .args(features);
        println!("$ {}", util::show(&cmd));
        util::output(&mut cmd).ok_or_else(|| format!("`{}` failed", util::show(&cmd)))
    };
    let bare = frameworks_in(&tree(&[])?);
    if !bare.is_empty() {
        return Err(format!("without features the library pulls in {bare:?}"));
    }
    let full = frameworks_in(&tree(&["--features", "yew,leptos"])?);
    if !(full.contains(&"yew".to_string()) && full.contains(&"leptos".to_string())) {
        return Err(format!(
            "with both features the tree should hold yew and leptos, found {full:?}"
        ));
    }
    println!("no features: neither Yew nor Leptos; --features yew,leptos: {full:?}");
    Ok(())
}

/// The Yew and Leptos crates (`yew`, `yew-macro`, `leptos_dom`, ...) in a `cargo tree
/// --prefix none` listing, each once.
fn frameworks_in(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with("yew") || name.starts_with("leptos"))
        .map(str::to_string)
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What the browser tests talk to (and WebKit draws on).
#[derive(Clone, Copy)]
struct Servers<'a> {
    server: &'a Server,
    proxy: &'a Proxy,
    display: Option<&'a Display>,
}

/// `cargo test` for the wasm target (plus `extra` arguments); the cargo runner
/// (wasm-bindgen-test-runner) drives the browser headless.
fn browser_tests(browser: Browser, servers: Servers, extra: &[&str]) -> Result {
    let Servers {
        server,
        proxy,
        display,
    } = servers;
    let timeout = env::var("WASM_BINDGEN_TEST_TIMEOUT")
        .unwrap_or_else(|_| BROWSER_TEST_TIMEOUT_SECS.to_string());

    let mut cmd = util::cargo();
    cmd.args(["test", "-p", "wasm-sse", "--target", WASM_TARGET])
        .args(extra)
        // Read by the tests at compile time (option_env!).
        .env("SSE_TEST_URL", &server.url)
        .env("SSE_PROXY_URL", &proxy.url)
        // Printed by tests/fault.rs, so a failure names the seed to replay.
        .env("FAULT_SEED_USED", proxy.seed.to_string())
        .env("WASM_BINDGEN_TEST_TIMEOUT", &timeout)
        // The runner and geckodriver may sit in ~/.cargo/bin, off PATH.
        .env("PATH", util::path_with_cargo_bin());
    for other in Browser::ALL {
        cmd.env_remove(other.driver_var());
    }
    cmd.env(browser.driver_var(), browser.driver()?);
    let mut shown = format!(
        "SSE_TEST_URL={} SSE_PROXY_URL={} FAULT_SEED_USED={} WASM_BINDGEN_TEST_TIMEOUT={timeout} {}={}",
        server.url,
        proxy.url,
        proxy.seed,
        browser.driver_var(),
        browser.driver()?.display()
    );
    cmd.env_remove("WASM_BINDGEN_TEST_WEBDRIVER_JSON");
    if let Some(capabilities) = browser.capabilities()? {
        let config = util::target_dir()
            .join("xtask")
            .join(format!("webdriver-{}.json", browser.name()));
        write_file(&config, &capabilities)?;
        cmd.env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &config);
        shown += &format!(" WASM_BINDGEN_TEST_WEBDRIVER_JSON={}", config.display());
    }
    if browser == Browser::Webkit {
        let display = display.ok_or("WebKit needs Xvfb, which was not started")?;
        cmd.env("DISPLAY", &display.name);
        shown += &format!(" DISPLAY={}", display.name);
    }
    println!("{shown}");
    let (result, stdout) = util::run_keeping_stdout(&mut cmd);
    if result.is_err() && never_loaded(&stdout) {
        println!(
            "The runner's page never loaded the last test module (no test started), which \
             wasm-bindgen-test-runner's page does now and then (seen in Firefox's service \
             worker): once more."
        );
        return run(cmd.stdout(std::process::Stdio::inherit()));
    }
    result
}

/// Whether the last test binary failed because wasm-bindgen-test-runner's page never got past
/// loading its module: the runner timed out with nothing after "Loading Wasm module...". A test
/// that started and failed or hung has printed "running N tests" there, and is never retried.
fn never_loaded(stdout: &str) -> bool {
    const LOADING: &str = "Loading Wasm module...";
    const NOT_RUN: &str = "Failed to detect test as having been run";
    let Some(end) = stdout.rfind(NOT_RUN) else {
        return false;
    };
    stdout[..end]
        .rfind(LOADING)
        .is_some_and(|start| stdout[start + LOADING.len()..end].trim().is_empty())
}

fn write_file(path: &Path, text: &str) -> Result {
    fs::create_dir_all(path.parent().expect("file has a parent"))
        .and_then(|()| fs::write(path, text))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn json_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Counts steps and keeps their times for the summary.
#[derive(Default)]
struct Pipeline {
    passed: usize,
    failed: usize,
    times: Vec<(String, Duration, bool)>,
}

impl Pipeline {
    fn step<T>(&mut self, name: &str, f: impl FnOnce() -> Result<T>) -> Option<T> {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = f();
        let took = start.elapsed();
        self.times.push((name.to_string(), took, result.is_ok()));
        match result {
            Ok(value) => {
                println!("<== {name}: ok ({:.1} s)", took.as_secs_f64());
                self.passed += 1;
                Some(value)
            }
            Err(e) => {
                println!("<== {name}: FAILED ({:.1} s): {e}", took.as_secs_f64());
                self.failed += 1;
                None
            }
        }
    }

    fn summary(&self) {
        println!();
        for (name, took, ok) in &self.times {
            let status = if *ok { "ok    " } else { "FAILED" };
            println!("{status} {:>7.1} s  {name}", took.as_secs_f64());
        }
        println!("xtask: {} passed, {} failed", self.passed, self.failed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_to_every_browser_with_setup() {
        let options = parse_args(&[]).unwrap();
        assert_eq!(options.browsers, Browser::ALL);
        assert!(!options.skip_setup);
    }

    #[test]
    fn picks_one_browser() {
        let options = parse_args(&args(&["--browser", "firefox", "--skip-setup"])).unwrap();
        assert_eq!(options.browsers, [Browser::Firefox]);
        assert!(options.skip_setup);
        let options = parse_args(&args(&["--browser=chromium"])).unwrap();
        assert_eq!(options.browsers, [Browser::Chromium]);
        let options = parse_args(&args(&["--browser", "webkit"])).unwrap();
        assert_eq!(options.browsers, [Browser::Webkit]);
    }

    #[test]
    fn finds_framework_crates_in_a_tree() {
        let tree = "wasm-sse v0.1.0 (/w)\nyew v0.23.0\nyew-macro v0.23.0\nleptos_dom v0.8.8\nyew v0.23.0 (*)\nserde v1.0.0\n";
        assert_eq!(frameworks_in(tree), ["leptos_dom", "yew", "yew-macro"]);
        assert!(frameworks_in("wasm-sse v0.1.0 (/w)\njs-sys v0.3.80\n").is_empty());
    }

    #[test]
    fn rejects_unknown_arguments() {
        assert!(parse_args(&args(&["--browser", "safari"])).is_err());
        assert!(parse_args(&args(&["--browser"])).is_err());
        assert!(parse_args(&args(&["--fast"])).is_err());
    }

    #[test]
    fn only_a_page_that_never_loaded_its_module_is_run_again() {
        let stuck = "running 2 tests\ntest result: ok.\nLoading Wasm module...\n\
                     Failed to detect test as having been run. It might have timed out.\n";
        assert!(never_loaded(stuck));
        let hung = "Loading Wasm module...\nrunning 2 tests\n\
                    Failed to detect test as having been run. It might have timed out.\n";
        assert!(!never_loaded(hung));
        assert!(!never_loaded(
            "Loading Wasm module...\nrunning 2 tests\ntest result: FAILED.\n"
        ));
    }
}
