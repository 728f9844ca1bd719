// End-to-end test of the www demo: starts `cargo xtask demo --port 0` (the README's first
// command), drives Debian's Chromium with playwright-core, and checks the streamed answers.
//
//   node --test tests/e2e/demo.test.mjs                      (from the workspace root)
//   UPDATE_SCREENSHOT=1 node --test tests/e2e/demo.test.mjs  (also rewrites docs/demo.png)
//
// Env: CHROMIUM (default /usr/bin/chromium), DEMO_START_TIMEOUT_MS (default 600000: a fresh
// machine runs `cargo xtask setup` and builds the package first).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// playwright-core lives in the workspace's npm tooling (installed by `cargo xtask setup`).
const { chromium } = createRequire(path.join(root, "tests", "npm", "package.json"))(
  "playwright-core",
);

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const START_TIMEOUT_MS = Number(process.env.DEMO_START_TIMEOUT_MS || 600_000);
/** One answer takes about 4 s (67 tokens, 60 ms apart); the dropped one about 5 s. */
const ANSWER_TIMEOUT_MS = 30_000;
const PROMPT = "How does SSE stream a chat answer?";
const SCREENSHOT = path.join(root, "target", "e2e", "demo.png");
const README_SCREENSHOT = path.join(root, "docs", "demo.png");

let demo; // the `cargo xtask demo` child, leader of its own process group
let demoStderr = "";
let base; // http://127.0.0.1:PORT/
let browser;
let page;
let expected; // { text, tokens }: the answer, fetched without the browser
const cspViolations = [];
const pageErrors = [];

// ------------------------------------------------------------------ the demo process

/** Starts the demo in its own process group and resolves with the address it prints first. */
function startDemo() {
  const cargo = process.env.CARGO || "cargo";
  demo = spawn(cargo, ["xtask", "demo", "--port", "0"], {
    cwd: root,
    detached: true, // its own process group: `after` ends the whole group
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stderr.setEncoding("utf8");
  demo.stderr.on("data", (chunk) => {
    demoStderr = (demoStderr + chunk).slice(-20_000);
  });
  const lines = readline.createInterface({ input: demo.stdout });
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      reject(new Error(`${why}\n--- demo stderr (tail) ---\n${demoStderr}`));
    };
    const timer = setTimeout(
      () => fail(`no address from \`cargo xtask demo\` within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    lines.once("line", (line) => {
      clearTimeout(timer);
      const match = /^wasm-sse demo: (http:\/\/127\.0\.0\.1:(\d+)\/)$/.exec(line);
      if (match && Number(match[2]) > 0) resolve(match[1]);
      else fail(`unexpected first line from the demo: ${JSON.stringify(line)}`);
    });
    demo.once("exit", (code, signal) => fail(`the demo exited early (${code ?? signal})`));
    demo.once("error", (error) => fail(`cannot start ${cargo}: ${error.message}`));
  });
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the demo's group (xtask stops its server and exits 0), SIGKILL if it lingers. */
async function stopDemo() {
  if (!demo || demo.pid === undefined) return;
  const pid = demo.pid;
  const running = demo.exitCode === null && demo.signalCode === null;
  const exited = running
    ? new Promise((resolve) => demo.once("exit", (code, signal) => resolve([code, signal])))
    : Promise.resolve([demo.exitCode, demo.signalCode]);
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    // already gone
  }
  const deadline = Date.now() + 10_000;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) {
    process.kill(-pid, "SIGKILL");
    throw new Error("the demo's processes ignored SIGTERM for 10 s and were killed");
  }
  const [code, signal] = await exited;
  // (An early exit was already reported by `before`.)
  if (running) assert.equal(code, 0, `the demo should exit 0 on SIGTERM (got ${code ?? signal})`);
}

// Whatever happens, leave no process behind.
process.on("exit", () => {
  if (demo?.pid !== undefined && groupAlive(demo.pid)) {
    try {
      process.kill(-demo.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ helpers

/** The answer as the server streams it, read with plain fetch (no browser, no delay). */
async function fetchAnswer(prompt) {
  const response = await fetch(`${base}api/chat?q=${encodeURIComponent(prompt)}&delay=0`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  const chunks = (await response.text())
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice("data: ".length)));
  assert.ok(chunks.length > 10, "the answer has many tokens");
  assert.equal(chunks.at(-1).status, 1, "the last chunk has status 1");
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.status === 0));
  chunks.forEach((chunk, i) => assert.equal(chunk.index, i));
  return { text: chunks.map((chunk) => chunk.text).join(""), tokens: chunks.length };
}

/** A page that records CSP violations, page errors and every state of the status badge. */
async function newPage(options = {}) {
  const p = await browser.newPage({ viewport: { width: 1200, height: 800 }, ...options });
  p.on("console", (message) => {
    if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
  });
  p.on("pageerror", (error) => pageErrors.push(String(error)));
  await p.addInitScript(() => {
    window.__csp = [];
    window.__states = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.__csp.push(`${event.violatedDirective}: ${event.blockedURI}`);
    });
    document.addEventListener("DOMContentLoaded", () => {
      const badge = document.getElementById("status");
      new MutationObserver(() => {
        const entry = `${badge.dataset.state}|${badge.textContent.trim()}`;
        if (window.__states.at(-1) !== entry) window.__states.push(entry);
      }).observe(badge, { attributes: true, childList: true, subtree: true, characterData: true });
    });
  });
  await p.goto(base);
  await p.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
  return p;
}

/** Picks a scenario, types the prompt, presses Enter and waits until the answer settles. */
async function ask(p, scenario, prompt = PROMPT) {
  await p.selectOption("#scenario", scenario);
  await p.evaluate(() => {
    window.__states = [];
  });
  await p.click("#prompt");
  await p.keyboard.type(prompt);
  await p.keyboard.press("Enter");
  await p.waitForSelector('#status:is([data-state="done"], [data-state="failed"], [data-state="stopped"])', {
    timeout: ANSWER_TIMEOUT_MS,
  });
  return lastTurn(p);
}

/** What the last answer shows. */
async function lastTurn(p) {
  return p.evaluate(() => {
    const turns = document.querySelectorAll(".turn");
    const turn = turns[turns.length - 1];
    const badge = document.getElementById("status");
    return {
      turns: turns.length,
      state: badge.dataset.state,
      badge: badge.textContent.trim(),
      turnState: turn.dataset.state,
      question: turn.querySelector(".question-text").textContent,
      text: turn.querySelector(".answer-text").textContent,
      errors: [...turn.querySelectorAll(".notice.error")].map((n) => n.textContent),
      warnings: [...turn.querySelectorAll(".notice.warning")].map((n) => n.textContent),
      alerts: turn.querySelectorAll('[role="alert"]').length,
      states: window.__states,
      stats: {
        events: document.getElementById("stat-events").textContent,
        reconnects: document.getElementById("stat-reconnects").textContent,
        lastId: document.getElementById("stat-last-id").textContent,
        ttft: document.getElementById("stat-ttft").textContent,
        rate: document.getElementById("stat-rate").textContent,
      },
      logKinds: [...document.querySelectorAll("#log-list .log-kind")].map((k) => k.textContent),
    };
  });
}

/** No CSP violation (event or console message) and no uncaught error in the page so far. */
async function assertClean(p) {
  const seen = await p.evaluate(() => window.__csp);
  assert.deepEqual([...seen, ...cspViolations], [], "no Content-Security-Policy violations");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
}

// ------------------------------------------------------------------ the tests

before(async () => {
  base = await startDemo();
  expected = await fetchAnswer(PROMPT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  page = await newPage({ colorScheme: "light" });
});

after(async () => {
  await browser?.close();
  await stopDemo();
});

test("the page is served with a strict CSP and loads without violations", async () => {
  const response = await fetch(base);
  const csp = response.headers.get("content-security-policy");
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(await page.textContent("#status-text"), "Ready");
  await assertClean(page);
});

test("a prompt and Enter stream the answer token by token until done", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "normal");
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  assert.equal(turn.badge, "Done");
  assert.equal(turn.question, PROMPT);
  assert.deepEqual(turn.errors, []);
  assert.equal(turn.alerts, 0, "no error is shown");
  assert.equal(turn.text, expected.text);
  // It streamed: the badge went through connecting and streaming before done.
  const states = turn.states.map((s) => s.split("|")[0]);
  assert.deepEqual(states, ["connecting", "streaming", "done"]);
  assert.equal(turn.stats.events, String(expected.tokens));
  assert.equal(turn.stats.lastId, String(expected.tokens));
  assert.match(turn.stats.ttft, /^\d+ ms$/);
  assert.match(turn.stats.rate, /^\d+(\.\d)?$/);
  assert.ok(turn.logKinds.includes("complete"));
});

test("a dropped connection resumes from Last-Event-ID without losing or repeating a token", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "drop");
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  assert.equal(turn.text, expected.text, "the same text as the uninterrupted answer");
  assert.ok(
    turn.states.some((s) => s.startsWith("reconnecting|") && /attempt 1/.test(s)),
    `a reconnect was shown (states: ${turn.states.join(", ")})`,
  );
  assert.equal(turn.stats.reconnects, "1");
  assert.ok(turn.logKinds.includes("reconnecting"));
  assert.equal(turn.stats.events, String(expected.tokens), "each token arrived once");
  assert.equal(turn.alerts, 0);
});

test("a server error is shown as a failure with its reason", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "error");
  assert.equal(turn.state, "failed");
  assert.match(turn.badge, /^Failed: .*refused/);
  assert.equal(turn.errors.length, 1);
  assert.match(turn.errors[0], /The stream failed\..*refused/);
  assert.equal(turn.text, "");
  assert.ok(!turn.states.some((s) => s.startsWith("reconnecting")), "no retry loop");
});

test("a named done event and a [DONE] sentinel complete the same answer", { timeout: 60_000 }, async () => {
  for (const scenario of ["done-event", "sentinel"]) {
    const turn = await ask(page, scenario);
    assert.equal(turn.state, "done", `${scenario}: ${turn.badge}`);
    assert.equal(turn.text, expected.text, scenario);
    assert.equal(turn.alerts, 0, scenario);
  }
  const kinds = (await lastTurn(page)).logKinds;
  assert.ok(kinds.includes("complete"));
});

test("invalid JSON mid-stream is reported and the stream goes on", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "invalid-json");
  assert.equal(turn.state, "done", turn.badge);
  assert.equal(turn.text, expected.text);
  assert.equal(turn.warnings.length, 1);
  assert.match(turn.warnings[0], /not valid JSON.*oops/);
  assert.ok(turn.logKinds.includes("parse-error"));
});

test("Stop disconnects mid-answer", { timeout: 60_000 }, async () => {
  await page.selectOption("#scenario", "normal");
  await page.fill("#prompt", PROMPT);
  await page.keyboard.press("Enter");
  await page.waitForSelector('#status[data-state="streaming"]');
  await page.click("#stop");
  const turn = await lastTurn(page);
  assert.equal(turn.state, "stopped");
  assert.equal(turn.badge, "Stopped");
  assert.ok(expected.text.startsWith(turn.text) && turn.text.length < expected.text.length);
  // Nothing more arrives after Stop.
  await sleep(500);
  assert.equal((await lastTurn(page)).text, turn.text);
  assert.equal(turn.alerts, 0);
  await assertClean(page);
});

test("screenshot of a completed answer", { timeout: 60_000 }, async () => {
  const shot = await newPage({ colorScheme: "light", deviceScaleFactor: 1 });
  const turn = await ask(shot, "normal");
  assert.equal(turn.state, "done");
  assert.equal(turn.text, expected.text);
  await shot.click("#log summary");
  // No focus ring or hover in the picture.
  await shot.evaluate(() => document.activeElement?.blur());
  await shot.mouse.move(0, 0);
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await shot.screenshot({ path: SCREENSHOT });
  if (process.env.UPDATE_SCREENSHOT === "1") {
    await mkdir(path.dirname(README_SCREENSHOT), { recursive: true });
    await copyFile(SCREENSHOT, README_SCREENSHOT);
  }
  await assertClean(shot);
  await shot.close();
});
