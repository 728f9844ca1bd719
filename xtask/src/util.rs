//! Running commands and finding tools. Errors are plain strings: xtask only
//! ever prints them.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root: xtask is always built from `<root>/xtask`.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Cargo's target dir: `CARGO_TARGET_DIR` if set, else `<root>/target`
/// (the workspace sets no `build.target-dir`).
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}

/// The cargo that runs us (so `cargo +toolchain xtask` stays on that toolchain).
pub fn cargo() -> Command {
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Where `cargo install` puts binaries; not always on PATH on a fresh machine.
pub fn cargo_bin_dir() -> Option<PathBuf> {
    match env::var_os("CARGO_HOME") {
        Some(home) => Some(PathBuf::from(home).join("bin")),
        None => env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo").join("bin")),
    }
}

/// PATH with cargo's bin dir in front, for children that must find
/// `cargo install`ed tools (e.g. the wasm-bindgen-test-runner).
pub fn path_with_cargo_bin() -> OsString {
    let mut dirs: Vec<PathBuf> = cargo_bin_dir().into_iter().collect();
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    env::join_paths(dirs).unwrap_or_default()
}

/// Finds an executable on PATH or in cargo's bin dir.
pub fn which(name: &str) -> Option<PathBuf> {
    env::split_paths(&path_with_cargo_bin())
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Runs a command with inherited stdio; fails unless it exits with 0.
pub fn run(cmd: &mut Command) -> Result {
    println!("$ {}", show(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(cmd)))
    }
}

/// Like [`run`], and also returns what the command wrote to stdout (passed on as it comes).
pub fn run_keeping_stdout(cmd: &mut Command) -> (Result, String) {
    use std::io::{BufRead, BufReader, Write};
    println!("$ {}", show(cmd));
    let mut child = match cmd.stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => {
            return (
                Err(format!("cannot start `{}`: {e}", show(cmd))),
                String::new(),
            )
        }
    };
    let mut seen = String::new();
    let mut reader = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
        let _ = std::io::stdout().write_all(&line);
        seen.push_str(&String::from_utf8_lossy(&line));
        line.clear();
    }
    let result = match child.wait() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{}` failed ({status})", show(cmd))),
        Err(e) => Err(format!("cannot wait for `{}`: {e}", show(cmd))),
    };
    (result, seen)
}

/// Like [`run`], but keeps our stdout clean for a command whose stdout is read by tools
/// (`cargo xtask demo` says its address in its first line): the `$ cmd` line and the child's
/// own stdout both go to stderr.
pub fn run_to_stderr(cmd: &mut Command) -> Result {
    eprintln!("$ {}", show(cmd));
    let status = cmd
        .stdout(std::io::stderr())
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", show(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(cmd)))
    }
}

/// Runs a command quietly and returns its stdout if it exited with 0.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The size of `path` gzipped at level 9.
pub fn gzipped(path: &Path) -> Result<u64> {
    let out = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

/// Every file below `dir` (none if it does not exist).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The command line as text, for logs and errors.
pub fn show(cmd: &Command) -> String {
    // Cargo is run by its full toolchain path; "cargo" reads better.
    let program = cmd.get_program();
    let program = if Some(program) == env::var_os("CARGO").as_deref() {
        "cargo".into()
    } else {
        program.to_string_lossy()
    };
    let mut parts = vec![program.into_owned()];
    parts.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    parts.join(" ")
}

/// The first token that looks like a version number (`Chromium 156.0.1 built
/// on ...` -> `156.0.1`), else the first line.
pub fn version_in(text: &str) -> String {
    let first_line = text.lines().next().unwrap_or("").trim();
    first_line
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(first_line)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_version_tokens() {
        assert_eq!(version_in("wasm-bindgen 0.2.130\n"), "0.2.130");
        assert_eq!(
            version_in("Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)"),
            "156.0.8078.108"
        );
        assert_eq!(
            version_in("geckodriver 0.37.1 (abc 2025-01-01)\nmore"),
            "0.37.1"
        );
        assert_eq!(version_in("no digits here"), "no digits here");
        assert_eq!(version_in(""), "");
    }
}
