// A small W3C WebDriver client over plain HTTP, for the browsers playwright-core cannot drive
// here: Debian's Firefox ESR (through geckodriver) and WebKitGTK's MiniBrowser (through
// WebKitWebDriver, which needs an X display: `cargo xtask` starts Xvfb and sets DISPLAY).
// Only what the tests use: start the driver, one session, navigate, run a script, quit.

import { spawn } from "node:child_process";
import { freePort } from "./bundlers.mjs";

/** How each engine is driven: the driver binary and the session's capabilities. */
export const ENGINES = {
  firefox: {
    driver: "geckodriver",
    capabilities: () => ({
      // Debian's binary is firefox-esr; geckodriver looks for `firefox` only.
      "moz:firefoxOptions": { binary: process.env.FIREFOX_BINARY ?? "/usr/bin/firefox-esr", args: ["-headless"] },
    }),
  },
  webkit: {
    driver: "WebKitWebDriver",
    // The MiniBrowser has no headless mode: it draws on $DISPLAY.
    capabilities: () => {
      if (!process.env.DISPLAY) throw new Error("WebKit needs an X display: set DISPLAY (cargo xtask starts Xvfb)");
      return { "webkitgtk:browserOptions": { args: ["--automation"] } };
    },
  },
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `engine`'s driver and a session in it; resolves to a `Session`. Always `quit()` it:
 * that ends the session (closing the browser) and stops the driver.
 */
export async function launch(engine) {
  const { driver, capabilities } = ENGINES[engine];
  const port = await freePort();
  const child = spawn(driver, [`--port=${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  try {
    await untilReady(base, child, () => stderr);
    const { sessionId } = await command(base, "POST", "/session", {
      capabilities: { alwaysMatch: capabilities() },
    });
    return new Session(base, sessionId, async () => {
      child.kill();
      await exited;
    });
  } catch (error) {
    child.kill();
    await exited;
    throw new Error(`${driver}: ${error.message}${stderr ? `\n${stderr}` : ""}`);
  }
}

/** Polls the driver's /status until it answers (at most 10 s). */
async function untilReady(base, child, stderr) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${stderr()}`);
    try {
      await command(base, "GET", "/status");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`not ready after 10 s (${error.message})`);
      await sleep(50);
    }
  }
}

/** One WebDriver command; resolves to its `value`, rejects with the driver's error. */
async function command(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const { value } = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${value?.error}: ${value?.message}`);
  return value;
}

export class Session {
  constructor(base, id, stopDriver) {
    this.base = base;
    this.id = id;
    this.stopDriver = stopDriver;
  }

  #command(method, path, body) {
    return command(this.base, method, `/session/${this.id}${path}`, body);
  }

  /** Loads `url` and waits for its load event. */
  navigate(url) {
    return this.#command("POST", "/url", { url });
  }

  /** Runs `script` (a function body; `arguments` are `args`) in the page; a returned promise is awaited. */
  execute(script, args = []) {
    return this.#command("POST", "/execute/sync", { script, args });
  }

  /** Polls `expression` every 100 ms until it is not null or undefined; resolves to its value. */
  async waitFor(expression, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.execute(`return ${expression};`);
      if (value !== null && value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${expression} still unset after ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /** Ends the session and stops the driver; never throws. */
  async quit() {
    await this.#command("DELETE", "").catch(() => {});
    await this.stopDriver();
  }
}
