//! A virtual X display for WebKit: WebKitGTK's MiniBrowser, which WebKitWebDriver starts, has no
//! headless mode. Our own Xvfb even on a desktop, so no test window opens on the user's screen.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::util::{self, Result};

/// A running Xvfb; dropping it stops the server.
pub struct Display {
    child: Child,
    /// The value for `DISPLAY`, e.g. `:1`.
    pub name: String,
}

/// Starts Xvfb on the first free display number and waits until it accepts clients.
pub fn start() -> Result<Display> {
    let xvfb = util::which("Xvfb").ok_or("Xvfb not found; run `cargo xtask setup`")?;
    // `-displayfd 1`: Xvfb picks a free display and writes its number to stdout once ready.
    let mut child = Command::new(xvfb)
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x1024x24",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start Xvfb: {e}"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut display = Display {
        child,
        name: String::new(),
    };
    let number = rx
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "Xvfb did not start within 10 s".to_string())?;
    let number = number.trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("Xvfb printed no display number ({number:?})"));
    }
    display.name = format!(":{number}");
    println!("Xvfb on DISPLAY={}", display.name);
    Ok(display)
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
