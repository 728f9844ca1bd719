// The behaviour of useSSE under StrictMode, case by case (index.html?case=hook): a harness
// component whose URL the cases change, and the test server's counters (/stats/{run}) for
// what really went over the network. Publishes window.__hook = [{ name, ok, detail }].
import { StrictMode, createElement as h, useState } from "react";
import { createRoot } from "react-dom/client";
import { useSSE } from "wasm-sse/react";

const query = new URLSearchParams(location.search);
const server = query.get("sse") ?? location.origin;
const prefix = query.get("run") ?? "manual";
const CASE_TIMEOUT_MS = 10_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const chat = (run, delay) => `${server}/api/chat?q=hello&delay=${delay}&run=${prefix}-${run}`;
const stats = async (run) => (await fetch(`${server}/stats/${prefix}-${run}`, { cache: "no-store" })).json();

function check(condition, what) {
  if (!condition) throw new Error(what);
}

async function waitUntil(what, done) {
  const deadline = Date.now() + CASE_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${describe()}`);
    await sleep(10);
  }
}

async function waitForStats(run, what, done) {
  for (let i = 0; i < 100; i++) {
    const seen = await stats(run);
    if (done(seen)) return seen;
    await sleep(30);
  }
  throw new Error(`the server never saw ${what}: ${JSON.stringify(await stats(run))}`);
}

/** What the harness rendered last (the hook's result and its url), and the ticks each onMessage call saw. */
let hook;
let renderedUrl;
let setProps;
let seenTicks = [];

/** Gives the harness a new url and waits until it rendered with it. */
async function show(url) {
  setProps({ url, tick: 0 });
  await waitUntil(`a render with ${url}`, () => renderedUrl === url);
}

const describe = () =>
  JSON.stringify({ readyState: hook.readyState, closeReason: hook.closeReason, messages: hook.messages.length, error: String(hook.error) });

function Harness() {
  const [props, set] = useState({ url: null, tick: 0 });
  setProps = set;
  renderedUrl = props.url;
  // A new inline callback on every render: it must be the one called, without reconnecting.
  hook = useSSE(props.url, {
    keepMessages: true,
    isFinal: (chunk) => chunk.status === 1,
    onMessage: () => seenTicks.push(props.tick),
  });
  return h("p", null, hook.messages.map((chunk) => chunk.text).join(""));
}

/** Indexes 0..n-1 in order, the last one final: every message of one answer, once. */
const whole = (messages) =>
  messages.length > 10 && messages.every((chunk, i) => chunk.index === i) && messages.at(-1).status === 1;

const cases = [
  ["url null: no connection, readyState 2, closeReason null", async () => {
    check(hook.readyState === 2 && hook.closeReason === null && hook.messages.length === 0, describe());
  }],

  ["an answer completes once over one request; re-renders call the latest callback and do not reconnect", async () => {
    await show(chat("once", 20));
    while (hook.closeReason === null) {
      setProps((p) => ({ ...p, tick: p.tick + 1 }));
      await sleep(15);
    }
    check(hook.closeReason === "completed", `completed: ${describe()}`);
    check(hook.readyState === 2, `readyState 2: ${describe()}`);
    check(whole(hook.messages), `every message once: ${describe()}`);
    check(hook.data === hook.messages.at(-1), "data is the latest message");
    check(seenTicks.length === hook.messages.length, `onMessage once per message: ${seenTicks.length}`);
    check(seenTicks.at(-1) > 0, `the latest onMessage was called (ticks ${seenTicks.join(",")})`);
    const seen = await stats("once");
    check(seen.requests === 1, `one request: ${JSON.stringify(seen)}`);
  }],

  ["reconnect(): a new connection to the same URL, with the state reset", async () => {
    hook.reconnect();
    // The new connection exists only once React re-rendered with the reset state.
    await waitForStats("once", "a second request", (s) => s.requests === 2);
    await waitUntil("completion", () => hook.closeReason === "completed");
    check(whole(hook.messages), `every message of the new answer once: ${describe()}`);
  }],

  ["re-renders with forced garbage collections while an answer streams: it completes whole, over one request", async () => {
    check(typeof globalThis.gc === "function", "gc() is exposed (Chromium --js-flags=--expose-gc)");
    await show(chat("gc", 20));
    while (hook.closeReason === null) {
      setProps((p) => ({ ...p, tick: p.tick + 1 }));
      globalThis.gc();
      await sleep(10);
    }
    check(hook.closeReason === "completed", `completed: ${describe()}`);
    check(whole(hook.messages), `every message once: ${describe()}`);
    const seen = await stats("gc");
    check(seen.requests === 1 && seen.disconnects === 0, `one request, not cut short: ${JSON.stringify(seen)}`);
  }],

  ["close(): closeReason disconnected, the server sees the client go", async () => {
    await show(chat("close", 100));
    await waitUntil("a message", () => hook.messages.length > 0);
    hook.close();
    await waitUntil("readyState 2", () => hook.readyState === 2 && hook.closeReason === "disconnected");
    await waitForStats("close", "the client go", (s) => s.disconnects === 1 && s.requests === 1);
  }],

  ["a new URL closes the old connection and streams the new one", async () => {
    await show(chat("old", 100));
    await waitUntil("a message", () => hook.messages.length > 0);
    await show(chat("new", 5));
    await waitUntil("completion", () => hook.closeReason === "completed");
    check(whole(hook.messages), `only the new answer, whole: ${describe()}`);
    await waitForStats("old", "the old client go", (s) => s.disconnects === 1 && s.requests === 1);
    await waitForStats("new", "one request", (s) => s.requests === 1);
  }],

  ["url back to null closes the connection", async () => {
    await show(chat("null", 100));
    await waitUntil("a message", () => hook.messages.length > 0);
    await show(null);
    await waitUntil("readyState 2", () => hook.readyState === 2 && hook.closeReason === null);
    await waitForStats("null", "the client go", (s) => s.disconnects === 1 && s.requests === 1);
  }],

  ["unmounting closes the connection", async (root) => {
    await show(chat("unmount", 100));
    await waitUntil("a message", () => hook.messages.length > 0);
    root.unmount();
    await waitForStats("unmount", "the client go", (s) => s.disconnects === 1 && s.requests === 1);
  }],
];

export async function runHookCases() {
  const root = createRoot(document.getElementById("root"));
  root.render(h(StrictMode, null, h(Harness)));
  await waitUntil("the first render", () => hook !== undefined);
  const results = [];
  for (const [name, body] of cases) {
    seenTicks = [];
    try {
      await body(root);
      results.push({ name, ok: true, detail: "" });
    } catch (error) {
      results.push({ name, ok: false, detail: String(error?.message ?? error) });
    }
  }
  window.__hook = results;
}
