// End-to-end test of the www demo: starts `cargo xtask demo --port 0` (the README's first
// command), drives Debian's Chromium with playwright-core, and checks the streamed answers of
// the POST chat (fetch transport: history in the body, bearer token) in every scenario, and the
// EventSource/GET one. The page passes its own `?run=` to the chat, so `/stats/{run}` shows
// what the server received (methods, bodies, Authorization, Last-Event-ID).
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
/** One answer takes about 5 s (~80 tokens, 60 ms apart); the dropped one about 6 s. */
const ANSWER_TIMEOUT_MS = 30_000;
const PROMPT = "How does SSE stream a chat answer?";
const FOLLOW_UP = "And what happens when the connection drops?";
const TOKEN = "demo-token";
/** The page's POST retries (a 500 is retried this often before it fails). */
const POST_RETRIES = 2;
const SCREENSHOT = path.join(root, "target", "e2e", "demo.png");
const README_SCREENSHOT = path.join(root, "docs", "demo.png");

let demo; // the `cargo xtask demo` child, leader of its own process group
let demoStderr = "";
let base; // http://127.0.0.1:PORT/
let browser;
let page;
let expectedGet; // { text, tokens }: the GET answer to PROMPT, fetched without the browser
/** The run id the main page passes to the chat (`?run=`). */
const RUN = `e2e-demo-${process.pid}-${Date.now()}`;
/** Completed POST turns on the main page: each POST body must carry 2 × kept + 1 messages. */
let kept = 0;
const cspViolations = [];
const pageErrors = [];
const consoleErrors = [];

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

/** Reads an SSE body of JSON chunks (`data:` lines; `[DONE]` skipped) and checks its shape. */
function answerOf(sse) {
  const chunks = sse
    .split("\n")
    .filter((line) => line.startsWith("data: ") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice("data: ".length)));
  assert.ok(chunks.length > 10, "the answer has many tokens");
  assert.equal(chunks.at(-1).status, 1, "the last chunk has status 1");
  assert.ok(chunks.slice(0, -1).every((chunk) => chunk.status === 0));
  chunks.forEach((chunk, i) => assert.equal(chunk.index, i));
  return { text: chunks.map((chunk) => chunk.text).join(""), tokens: chunks.length };
}

/** The GET answer as the server streams it, read with plain fetch (no browser, no delay). */
async function fetchAnswer(prompt) {
  const response = await fetch(`${base}api/chat?q=${encodeURIComponent(prompt)}&delay=0`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/event-stream/);
  return answerOf(await response.text());
}

let expectedCount = 0;

/**
 * The uninterrupted answer to a POST body the server saw: the same messages POSTed again
 * under another conversation id, in normal mode, without delay.
 */
async function expectedFor(body) {
  const { messages } = JSON.parse(body);
  expectedCount += 1;
  const response = await fetch(`${base}api/chat?mode=normal&delay=0`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ conversation: `${RUN}-expected-${expectedCount}`, messages }),
  });
  assert.equal(response.status, 200);
  return answerOf(await response.text());
}

/** What the server saw for a run: one entry per request, in order. */
async function stats(run) {
  const response = await fetch(`${base}stats/${encodeURIComponent(run)}`);
  assert.equal(response.status, 200);
  const all = await response.json();
  return all.methods.map((method, i) => ({
    method,
    body: all.bodies[i],
    authorization: all.authorizations[i],
    contentType: all.content_types[i],
    hasLastEventId: all.has_last_event_id[i],
    lastEventId: all.last_event_ids[i],
  }));
}

/** A page that records CSP violations, page errors and every state of the status badge. */
async function newPage(options = {}, run = RUN) {
  const p = await browser.newPage({ viewport: { width: 1200, height: 800 }, ...options });
  return openDemo(p, run);
}

/** Loads the demo in `p`, recording what `newPage` describes; resolves once it is ready. */
async function openDemo(p, run = RUN) {
  p.on("console", (message) => {
    if (/content security policy/i.test(message.text())) cspViolations.push(message.text());
    if (message.type() === "error") consoleErrors.push(message.text());
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
  await p.goto(`${base}?run=${encodeURIComponent(run)}`);
  await p.waitForSelector('#status[data-state="ready"]', { timeout: 20_000 });
  return p;
}

/**
 * Picks a scenario, types the prompt, presses Enter and waits until the answer settles.
 * Returns what the last turn shows and the requests the server saw for it.
 */
async function ask(p, scenario, prompt = PROMPT, run = RUN) {
  const before = (await stats(run)).length;
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
  const turn = await lastTurn(p);
  turn.requests = (await stats(run)).slice(before);
  return turn;
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
      excluded: turn.classList.contains("excluded"),
      tags: [...turn.querySelectorAll(".tag")].map((t) => t.textContent),
      meta: turn.querySelector(".answer-meta").textContent,
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
      logData: [...document.querySelectorAll("#log-list .log-data")].map((k) => k.textContent),
    };
  });
}

/** The one POST a turn made: with the token, JSON, and the history the page has kept so far. */
function assertPost(request, { token = TOKEN, prompt = PROMPT } = {}) {
  assert.equal(request.method, "POST");
  assert.equal(request.authorization, `Bearer ${token}`);
  assert.match(request.contentType, /^application\/json/);
  const body = JSON.parse(request.body);
  assert.equal(typeof body.conversation, "string");
  assert.ok(body.conversation.length >= 16, "a conversation id per page session");
  assert.equal(body.messages.length, 2 * kept + 1, "the completed turns and the new prompt");
  body.messages.forEach((m, i) => assert.equal(m.role, i % 2 === 0 ? "user" : "assistant"));
  assert.deepEqual(body.messages.at(-1), { role: "user", content: prompt });
  return body;
}

/** No CSP violation (event or console message), no console error and no uncaught error so far. */
async function assertClean(p) {
  const seen = await p.evaluate(() => window.__csp);
  assert.deepEqual([...seen, ...cspViolations], [], "no Content-Security-Policy violations");
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
  // The browser logs refused responses (401, 500) as console errors on its own: not the page's.
  const own = consoleErrors.filter((text) => !/Failed to load resource/.test(text));
  assert.deepEqual(own, [], "no console errors");
}

// ------------------------------------------------------------------ the tests

before(async () => {
  base = await startDemo();
  expectedGet = await fetchAnswer(PROMPT);
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
  // fetch/POST is the default transport, and the token is prefilled.
  assert.equal(await page.isChecked('input[name="transport"][value="fetch"]'), true);
  assert.equal(await page.inputValue("#token"), TOKEN);
  await assertClean(page);
});

test("a prompt and Enter POST the conversation and stream the answer until done", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "normal");
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  assert.equal(turn.badge, "Done");
  assert.equal(turn.question, PROMPT);
  assert.deepEqual(turn.errors, []);
  assert.equal(turn.alerts, 0, "no error is shown");
  assert.equal(turn.requests.length, 1);
  const body = assertPost(turn.requests[0]);
  assert.deepEqual(body.messages, [{ role: "user", content: PROMPT }]);
  const expected = await expectedFor(turn.requests[0].body);
  assert.equal(turn.text, expected.text);
  assert.match(turn.text, /This is turn 1 of our conversation/);
  assert.deepEqual(turn.tags, ["fetch · POST", "turn 1"]);
  assert.equal(turn.excluded, false);
  assert.match(turn.meta, /kept in the conversation/);
  // It streamed: the badge went through connecting and streaming before done.
  const states = turn.states.map((s) => s.split("|")[0]);
  assert.deepEqual(states, ["connecting", "streaming", "done"]);
  assert.equal(turn.stats.events, String(expected.tokens));
  assert.equal(turn.stats.lastId, String(expected.tokens));
  assert.match(turn.stats.ttft, /^\d+ ms$/);
  assert.match(turn.stats.rate, /^\d+(\.\d)?$/);
  assert.ok(turn.logKinds.includes("request"));
  assert.ok(turn.logKinds.includes("complete"));
  assert.ok(turn.logData.some((d) => /^HTTP 200 text\/event-stream/.test(d)), "onOpen got the Response");
  kept += 1;
});

test("a second turn sends the whole history and its answer says turn 2", { timeout: 60_000 }, async () => {
  const first = await page.evaluate(() => document.querySelector(".turn .answer-text").textContent);
  const conversation = JSON.parse((await stats(RUN))[0].body).conversation;
  const turn = await ask(page, "normal", FOLLOW_UP);
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  assert.equal(turn.turns, 2);
  assert.equal(turn.requests.length, 1);
  const body = assertPost(turn.requests[0], { prompt: FOLLOW_UP });
  assert.equal(body.conversation, conversation, "the same conversation id");
  assert.deepEqual(body.messages, [
    { role: "user", content: PROMPT },
    { role: "assistant", content: first },
    { role: "user", content: FOLLOW_UP },
  ]);
  assert.match(turn.text, /This is turn 2 of our conversation, and your request carried all of it \(3 messages\)/);
  assert.equal(turn.text, (await expectedFor(turn.requests[0].body)).text);
  assert.deepEqual(turn.tags, ["fetch · POST", "turn 2"]);
  kept += 1;
});

test("a dropped POST resumes from Last-Event-ID without losing or repeating a token", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "drop");
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  // Exactly two requests: the cut one and the repeat, same body, the second with Last-Event-ID.
  assert.equal(turn.requests.length, 2, JSON.stringify(turn.requests));
  const [cut, resumed] = turn.requests;
  assertPost(cut);
  assertPost(resumed);
  assert.equal(resumed.body, cut.body, "the same body");
  assert.equal(cut.hasLastEventId, false);
  assert.equal(resumed.hasLastEventId, true);
  const expected = await expectedFor(cut.body);
  const resumedFrom = Number(resumed.lastEventId);
  assert.ok(
    Number.isInteger(resumedFrom) && resumedFrom > 0 && resumedFrom < expected.tokens,
    `Last-Event-ID is a token id mid-answer: ${resumed.lastEventId}`,
  );
  assert.equal(turn.text, expected.text, "the same text as the uninterrupted answer");
  assert.ok(
    turn.states.some((s) => s.startsWith("reconnecting|") && /attempt 1/.test(s)),
    `a reconnect was shown (states: ${turn.states.join(", ")})`,
  );
  assert.equal(turn.stats.reconnects, "1");
  assert.ok(turn.logKinds.includes("reconnecting"));
  assert.equal(turn.stats.events, String(expected.tokens), "each token arrived once");
  assert.equal(turn.stats.lastId, String(expected.tokens));
  assert.equal(turn.alerts, 0);
  kept += 1;
});

test("a named done event and a [DONE] sentinel complete the answer", { timeout: 60_000 }, async () => {
  for (const scenario of ["done-event", "sentinel"]) {
    const turn = await ask(page, scenario);
    assert.equal(turn.state, "done", `${scenario}: ${turn.badge}`);
    assert.equal(turn.requests.length, 1, scenario);
    assertPost(turn.requests[0]);
    assert.equal(turn.text, (await expectedFor(turn.requests[0].body)).text, scenario);
    assert.equal(turn.alerts, 0, scenario);
    assert.ok(turn.logKinds.includes("complete"), scenario);
    if (scenario === "done-event") {
      assert.ok(turn.logKinds.includes("token") && turn.logKinds.includes("done"));
    }
    kept += 1;
  }
});

test("invalid JSON mid-stream is reported and the stream goes on", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "invalid-json");
  assert.equal(turn.state, "done", turn.badge);
  assertPost(turn.requests[0]);
  assert.equal(turn.text, (await expectedFor(turn.requests[0].body)).text);
  assert.equal(turn.warnings.length, 1);
  assert.match(turn.warnings[0], /not valid JSON.*oops/);
  assert.ok(turn.logKinds.includes("parse-error"));
  kept += 1;
});

test("an HTTP 500 is shown with its status and body, after a bounded retry", { timeout: 60_000 }, async () => {
  const turn = await ask(page, "error");
  assert.equal(turn.state, "failed");
  assert.equal(turn.badge, "Failed: HTTP 500: the assistant is unavailable");
  assert.equal(turn.errors.length, 1);
  assert.match(turn.errors[0], /HTTP 500.*the assistant is unavailable/);
  assert.equal(turn.text, "");
  assert.equal(turn.requests.length, 1 + POST_RETRIES, "the first request and the retries");
  turn.requests.forEach((request) => assertPost(request));
  const retries = turn.states.filter((s) => s.startsWith("reconnecting|"));
  assert.equal(retries.length, POST_RETRIES, turn.states.join(", "));
  assert.match(retries[0], /attempt 1 in \d+ ms after HTTP 500/);
  // A failed answer does not join the conversation (`kept` stays).
  assert.equal(turn.excluded, true);
  assert.match(turn.meta, /not kept/);
});

test("a wrong token shows the server's own 401 message", { timeout: 60_000 }, async () => {
  await page.fill("#token", "not-the-token");
  const turn = await ask(page, "normal");
  await page.fill("#token", TOKEN);
  assert.equal(turn.state, "failed");
  assert.equal(turn.badge, "Failed: HTTP 401: invalid token: the demo accepts Bearer demo-token");
  assert.equal(turn.errors.length, 1);
  assert.match(turn.errors[0], /HTTP 401/);
  assert.match(turn.errors[0], /invalid token: the demo accepts Bearer demo-token/);
  assert.doesNotMatch(turn.errors[0], /invalid_request_error/, "the message, not the raw JSON");
  assert.equal(turn.requests.length, 1, "a 401 is not retried");
  assertPost(turn.requests[0], { token: "not-the-token" });
  assert.ok(!turn.states.some((s) => s.startsWith("reconnecting")), "no retry");
  assert.equal(turn.excluded, true);
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: path.join(path.dirname(SCREENSHOT), "demo-401.png") });
});

test("Stop disconnects mid-answer and the stopped turn is not kept", { timeout: 60_000 }, async () => {
  const before = (await stats(RUN)).length;
  await page.selectOption("#scenario", "normal");
  await page.fill("#prompt", PROMPT);
  await page.keyboard.press("Enter");
  await page.waitForSelector('#status[data-state="streaming"]');
  await page.click("#stop");
  const turn = await lastTurn(page);
  assert.equal(turn.state, "stopped");
  assert.equal(turn.badge, "Stopped");
  const requests = (await stats(RUN)).slice(before);
  assert.equal(requests.length, 1);
  assertPost(requests[0]);
  const expected = await expectedFor(requests[0].body);
  assert.ok(expected.text.startsWith(turn.text) && turn.text.length < expected.text.length);
  // Nothing more arrives after Stop.
  await sleep(500);
  assert.equal((await lastTurn(page)).text, turn.text);
  assert.equal(turn.alerts, 0);
  assert.equal(turn.excluded, true);
  await assertClean(page);
});

test("Esc stops too", { timeout: 60_000 }, async () => {
  await page.fill("#prompt", PROMPT);
  await page.keyboard.press("Enter");
  await page.waitForSelector('#status[data-state="streaming"]');
  await page.keyboard.press("Escape");
  const turn = await lastTurn(page);
  assert.equal(turn.state, "stopped");
  assert.ok(turn.logKinds.includes("disconnect"));
});

test("the transport switch streams the single-turn GET over EventSource", { timeout: 60_000 }, async () => {
  await page.check('input[name="transport"][value="eventsource"]');
  assert.equal(await page.isDisabled("#token"), true, "EventSource cannot send the token");
  const turn = await ask(page, "normal");
  assert.equal(turn.state, "done", `badge: ${turn.badge}`);
  assert.equal(turn.requests.length, 1);
  assert.equal(turn.requests[0].method, "GET");
  assert.equal(turn.requests[0].authorization, "");
  assert.equal(turn.text, expectedGet.text);
  assert.deepEqual(turn.tags, ["EventSource · GET", "single turn"]);
  assert.ok(turn.logData.some((d) => d.startsWith(`GET /api/chat?q=${PROMPT}`)));
  assert.equal(turn.stats.events, String(expectedGet.tokens));

  // Back to POST: the GET turn did not join the history either.
  await page.check('input[name="transport"][value="fetch"]');
  assert.equal(await page.isDisabled("#token"), false);
  await assertClean(page);
});

test("at phone width nothing overflows and the controls stay reachable", { timeout: 60_000 }, async () => {
  const phone = await newPage({ viewport: { width: 375, height: 740 }, colorScheme: "dark" }, `${RUN}-phone`);
  const overflow = await phone.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, "no horizontal scroll");
  for (const selector of ["#token", "#send", "#scenario", 'input[value="eventsource"]']) {
    const box = await phone.locator(selector).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${selector} is on screen`);
  }
  await mkdir(path.dirname(SCREENSHOT), { recursive: true });
  await phone.screenshot({ path: path.join(path.dirname(SCREENSHOT), "demo-phone-dark.png") });
  await assertClean(phone);
  await phone.close();
});

test("screenshot of a finished two-turn POST conversation", { timeout: 90_000 }, async () => {
  const run = "screenshot"; // a fresh server per test run: short, as it shows in the picture
  const shot = await newPage(
    { colorScheme: "light", deviceScaleFactor: 1, viewport: { width: 1200, height: 1200 } },
    run,
  );
  const first = await ask(shot, "normal", PROMPT, run);
  assert.equal(first.state, "done");
  const second = await ask(shot, "normal", FOLLOW_UP, run);
  assert.equal(second.state, "done");
  assert.match(second.text, /This is turn 2/);
  assert.equal(JSON.parse(second.requests[0].body).messages.length, 3);
  await shot.click("#log summary");
  // The second turn and the open log (its first rows show the POST and its 3 messages).
  await shot.evaluate(() => {
    const main = document.getElementById("main");
    main.scrollTop = main.scrollHeight;
  });
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

// ------------------------------------------------------------------ live notifications

/** The notification ids a tab lists, in the order they arrived (the list is newest first). */
function notificationIds(p) {
  return p.$$eval("#notify-list .notify-row", (rows) => rows.map((row) => Number(row.dataset.id)).reverse());
}

/** Waits until `p` lists a notification with an id of at least `id`. */
async function waitForNotification(p, id, timeout = 20_000) {
  await p.waitForFunction(
    (least) => {
      const newest = document.querySelector("#notify-list .notify-row");
      return newest !== null && Number(newest.dataset.id) >= least;
    },
    id,
    { timeout },
  );
}

/** The server's count of open notification streams. */
async function openOnServer() {
  const response = await fetch(`${base}api/notifications/connections`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("cache-control"), "no-store");
  return (await response.json()).open;
}

/**
 * Waits until the page shows `expected` open connections on the server and both it and the
 * server keep saying so for a while (past one poll of the page and one notification).
 */
async function waitForStableOpenCount(p, expected, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let since = null;
  let seen = [];
  while (Date.now() < deadline) {
    const shown = (await p.textContent("#notify-open")).trim();
    const server = await openOnServer();
    seen = [...seen.slice(-5), `${shown}/${server}`];
    if (shown === String(expected) && server === expected) {
      since ??= Date.now();
      if (Date.now() - since >= 4_500) return;
    } else {
      since = null;
    }
    await sleep(250);
  }
  assert.fail(`the open count did not settle at ${expected} (page/server: ${seen.join(", ")})`);
}

/** Each id once, none skipped. */
function assertGapless(ids, what) {
  assert.ok(ids.length > 0, `${what}: notifications arrived`);
  ids.forEach((id, i) => {
    if (i > 0) assert.equal(id, ids[i - 1] + 1, `${what}: gapless and without repeats: ${ids.join(",")}`);
  });
}

test("tabs share one notifications connection and a closed leader hands over without a gap", { timeout: 120_000 }, async (t) => {
  // The server counts every notification stream: earlier pages (each its own browser context,
  // so not sharing with these tabs) must be gone. This test runs last.
  await page.close();
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, colorScheme: "dark" });
  const tabs = [];
  try {
    for (let i = 0; i < 3; i += 1) {
      const tab = await openDemo(await context.newPage(), `${RUN}-tab-${i}`);
      await tab.click("#notify summary");
      await tab.evaluate(() => {
        window.__notifyStates = [];
        const state = document.getElementById("notify-state");
        const record = () => {
          if (window.__notifyStates.at(-1) !== state.textContent) window.__notifyStates.push(state.textContent);
        };
        record();
        new MutationObserver(record).observe(state, { childList: true, characterData: true, subtree: true });
      });
      // The first tab takes the lock and so leads: open the next once this one is listening.
      await waitForNotification(tab, 1);
      tabs.push(tab);
    }
    await waitForStableOpenCount(tabs[0], 1);
    for (const [i, tab] of tabs.entries()) {
      assert.ok(await tab.isVisible("#notify-list .notify-row"), `tab ${i} shows notifications`);
      assertGapless(await notificationIds(tab), `tab ${i}`);
      assert.match(await tab.textContent("#notify-summary"), /1 open connection on the server/);
    }
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await tabs[2].screenshot({ path: path.join(path.dirname(SCREENSHOT), "demo-notifications.png") });

    // Close the first (leading) tab: another one takes the lock and resumes from the last id.
    const [leader, ...rest] = tabs;
    const lastBefore = Math.max(...(await Promise.all(rest.map(async (tab) => (await notificationIds(tab)).at(-1)))));
    await leader.close();
    for (const tab of rest) await waitForNotification(tab, lastBefore + 3, 30_000);
    await waitForStableOpenCount(rest[0], 1);
    for (const [i, tab] of rest.entries()) {
      const ids = await notificationIds(tab);
      assertGapless(ids, `remaining tab ${i}`);
      assert.ok(ids.at(-1) >= lastBefore + 3, `remaining tab ${i} kept receiving: ${ids.join(",")}`);
      t.diagnostic(`remaining tab ${i}: ids ${ids.join(",")}; stream states ${(await tab.evaluate(() => window.__notifyStates)).join(" → ")}`);
      await assertClean(tab);
    }
  } finally {
    await context.close();
  }
});
