//! `cargo xtask setup`: installs what the tests need, skipping what is there.
//!
//! Each item is a row of `ITEMS`: a check that returns the installed version
//! and an install step. To add a tool (e.g. an npm package), add a row.

use std::fs;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::util::{self, output, run, version_in, which, Result};

/// The rustup target the library and its browser tests build for.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

struct Item {
    name: &'static str,
    /// `Some(version)` when the item is installed and usable.
    check: fn() -> Result<Option<String>>,
    install: fn(&mut Setup) -> Result,
}

const ITEMS: &[Item] = &[
    Item {
        name: "rustup target wasm32-unknown-unknown",
        check: check_wasm_target,
        install: |_| run(Command::new("rustup").args(["target", "add", WASM_TARGET])),
    },
    Item {
        name: "wasm-bindgen-cli",
        check: check_wasm_bindgen,
        install: install_wasm_bindgen,
    },
    Item {
        name: "chromium + chromedriver",
        check: check_chromium,
        install: |setup| setup.apt_install(&["chromium", "chromium-driver"]),
    },
    Item {
        name: "firefox",
        check: check_firefox,
        install: |setup| setup.apt_install(&["firefox-esr"]),
    },
    Item {
        name: "webkit (WebKitWebDriver + MiniBrowser) + Xvfb",
        check: check_webkit,
        // Without recommends: 76 packages, not several hundred.
        install: |setup| {
            setup.apt_install_with(&["--no-install-recommends"], &["webkit2gtk-driver", "xvfb"])
        },
    },
    Item {
        name: "npm tooling (tests/npm: wasm-opt, vite, webpack, react, vue, typescript, playwright-core)",
        check: check_npm_tooling,
        install: |_| {
            let dir = util::root().join("tests/npm");
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(dir))
        },
    },
    Item {
        name: "geckodriver",
        // Debian has no geckodriver package; crates.io has it.
        check: || Ok(which("geckodriver").map(|path| version_of(&path, "--version"))),
        install: |_| run(util::cargo().args(["install", "geckodriver"])),
    },
];

/// State shared by the install steps of one run.
#[derive(Default)]
struct Setup {
    apt_updated: bool,
}

pub fn run_setup() -> Result {
    let mut setup = Setup::default();
    for item in ITEMS {
        let fail = |e: String| format!("setup step `{}` failed: {e}", item.name);
        if let Some(version) = (item.check)().map_err(fail)? {
            println!("ok   {} ({version})", item.name);
            continue;
        }
        println!("install {} ...", item.name);
        (item.install)(&mut setup).map_err(fail)?;
        // Trust only what is found after the install.
        match (item.check)().map_err(fail)? {
            Some(version) => println!("ok   {} ({version})", item.name),
            None => return Err(fail("installed, but still not found".into())),
        }
    }
    Ok(())
}

impl Setup {
    fn apt_install(&mut self, packages: &[&str]) -> Result {
        self.apt_install_with(&[], packages)
    }

    /// `apt-get install -y OPTIONS PACKAGES`, after one `apt-get update` per run.
    fn apt_install_with(&mut self, options: &[&str], packages: &[&str]) -> Result {
        if !self.apt_updated {
            apt_update()?;
            self.apt_updated = true;
        }
        let lock_timeout = format!("DPkg::Lock::Timeout={}", APT_LOCK_WAIT.as_secs());
        let mut args = vec!["-o", &lock_timeout, "install", "-y"];
        args.extend(options);
        args.extend(packages);
        run(&mut apt_get(&args)?)
    }
}

/// How long apt steps wait for another apt or dpkg (an unattended upgrade, a second xtask) to
/// release its lock, instead of failing at once with "Could not get lock".
const APT_LOCK_WAIT: Duration = Duration::from_secs(600);

/// `apt-get update`, retried while another apt holds the package lists' lock: apt 2.6 applies
/// `DPkg::Lock::Timeout` to the dpkg lock only (measured), not to this one.
fn apt_update() -> Result {
    let deadline = Instant::now() + APT_LOCK_WAIT;
    loop {
        let mut cmd = apt_get(&["update"])?;
        println!("$ {}", util::show(&cmd));
        let out = cmd
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start `{}`: {e}", util::show(&cmd)))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprint!("{stderr}");
        if out.status.success() {
            return Ok(());
        }
        if !stderr.contains("Could not get lock") || Instant::now() > deadline {
            return Err(format!("`{}` failed ({})", util::show(&cmd), out.status));
        }
        println!("another apt holds the lock; trying again in 5 s");
        thread::sleep(Duration::from_secs(5));
    }
}

/// `apt-get ARGS`, through sudo when we are not root, never asking questions.
fn apt_get(args: &[&str]) -> Result<Command> {
    let is_root = output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let mut cmd = if is_root {
        Command::new("apt-get")
    } else if which("sudo").is_some() {
        // sudo may reset the environment, so pass the variable through `env`.
        let mut cmd = Command::new("sudo");
        cmd.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        cmd
    } else {
        return Err("apt-get needs root, and there is no sudo".into());
    };
    cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
    Ok(cmd)
}

/// `<program> <flag>` reduced to its version number.
fn version_of(program: &std::path::Path, flag: &str) -> String {
    output(Command::new(program).arg(flag))
        .map(|text| version_in(&text))
        .unwrap_or_else(|| "version unknown".into())
}

fn check_wasm_target() -> Result<Option<String>> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("`rustup target list --installed` failed (is rustup installed?)")?;
    Ok(installed
        .lines()
        .any(|line| line.trim() == WASM_TARGET)
        .then(|| format!("rustc {}", version_of("rustc".as_ref(), "--version"))))
}

fn check_wasm_bindgen() -> Result<Option<String>> {
    let wanted = locked_wasm_bindgen()?;
    let (Some(cli), Some(_runner)) = (which("wasm-bindgen"), which("wasm-bindgen-test-runner"))
    else {
        return Ok(None);
    };
    let found = version_of(&cli, "--version");
    if found == wanted {
        Ok(Some(found))
    } else {
        println!("     wasm-bindgen {found} found, Cargo.lock wants {wanted}");
        Ok(None)
    }
}

fn install_wasm_bindgen(_: &mut Setup) -> Result {
    let version = locked_wasm_bindgen()?;
    // No --locked: one of the CLI's locked dependencies was yanked, so a
    // locked install fails.
    run(util::cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))
}

/// Installed when npm's own record of the install is at least as new as the lock file.
fn check_npm_tooling() -> Result<Option<String>> {
    let dir = util::root().join("tests/npm");
    let modified = |path: std::path::PathBuf| fs::metadata(path).and_then(|m| m.modified()).ok();
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    let locked = modified(dir.join("package-lock.json"));
    Ok(match (installed, locked) {
        (Some(installed), Some(locked)) if installed >= locked => {
            output(Command::new("npm").arg("--version")).map(|v| format!("npm {}", v.trim()))
        }
        _ => None,
    })
}

fn check_chromium() -> Result<Option<String>> {
    Ok(match (which("chromium"), which("chromedriver")) {
        (Some(chromium), Some(_)) => Some(version_of(&chromium, "--version")),
        _ => None,
    })
}

fn check_firefox() -> Result<Option<String>> {
    Ok(firefox_binary().map(|path| version_of(&path, "--version")))
}

/// WebKitWebDriver drives WebKitGTK's MiniBrowser, which has no headless mode: it needs Xvfb.
/// Neither binary prints a version, so ask dpkg.
fn check_webkit() -> Result<Option<String>> {
    if which("WebKitWebDriver").is_none() || which("Xvfb").is_none() {
        return Ok(None);
    }
    let version =
        output(Command::new("dpkg-query").args(["-W", "-f=${Version}", "webkit2gtk-driver"]));
    Ok(Some(version.unwrap_or_else(|| "version unknown".into())))
}

/// Debian's Firefox is `firefox-esr`; a plain `firefox` is fine too.
pub fn firefox_binary() -> Option<std::path::PathBuf> {
    which("firefox-esr").or_else(|| which("firefox"))
}

/// The `wasm-bindgen` version in the workspace's Cargo.lock: the CLI must match
/// it exactly.
pub fn locked_wasm_bindgen() -> Result<String> {
    let lock_path = util::root().join("Cargo.lock");
    if !lock_path.exists() {
        run(util::cargo().arg("generate-lockfile"))?;
    }
    let lock = fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    locked_version(&lock, "wasm-bindgen")
}

/// The version of `package` in Cargo.lock text; an error unless there is
/// exactly one.
fn locked_version(lock: &str, package: &str) -> Result<String> {
    let wanted_name = format!("\"{package}\"");
    let mut name_matches = false;
    let mut versions = Vec::new();
    for line in lock.lines().map(str::trim) {
        if line.starts_with('[') {
            name_matches = false;
        } else if let Some(name) = line.strip_prefix("name = ") {
            name_matches = name == wanted_name;
        } else if let Some(version) = line.strip_prefix("version = ") {
            if name_matches {
                versions.push(version.trim_matches('"').to_string());
            }
        }
    }
    match versions.as_slice() {
        [version] => Ok(version.clone()),
        [] => Err(format!("no `{package}` package in Cargo.lock")),
        many => Err(format!(
            "several `{package}` versions in Cargo.lock ({}); pin one",
            many.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
# This file is automatically @generated by Cargo.
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "cfg-if",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"
"#;

    #[test]
    fn reads_the_exact_package() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen").unwrap(), "0.2.130");
        assert_eq!(
            locked_version(LOCK, "wasm-bindgen-macro").unwrap(),
            "0.2.131"
        );
    }

    #[test]
    fn missing_package_is_an_error() {
        assert!(locked_version(LOCK, "js-sys").is_err());
        assert!(locked_version("version = 4\n", "wasm-bindgen").is_err());
    }

    #[test]
    fn several_versions_are_an_error() {
        let twice = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.99\"\n");
        let err = locked_version(&twice, "wasm-bindgen").unwrap_err();
        assert!(err.contains("0.2.130, 0.2.99"), "{err}");
    }
}
