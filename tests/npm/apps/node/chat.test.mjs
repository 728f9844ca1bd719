// Node 20+ as a consumer: the installed package, imported as an app would, with no set-up.
// Run by tests/npm/run.mjs (`node --test` in this directory) with SSE_SERVER_URL set.
import { test } from "node:test";
import assert from "node:assert/strict";
import init, { SSEService, isSSEError } from "wasm-sse";
import { expectedAnswer } from "../answer.mjs";

const server = process.env.SSE_SERVER_URL?.replace(/\/$/, "");

test("init() needs no argument, is idempotent, and a service can be constructed", async () => {
  await init();
  await init();
  const sse = new SSEService();
  assert.equal(sse.readyState, 2);
  sse.free();
});

test("a chat answer streams once over the fetch transport (GET)", async () => {
  assert.ok(server, "set SSE_SERVER_URL");
  const run = `node-${Math.random().toString(36).slice(2)}`;
  const url = `${server}/api/chat?q=hello&delay=5&run=${run}`;
  const sse = new SSEService();
  // No `transport` option: Node has no EventSource, so fetch is chosen by itself.
  const chunks = sse.stream(url, { isFinal: (chunk) => chunk.status === 1 });
  let text = "";
  let messages = 0;
  try {
    for await (const chunk of chunks) {
      text += chunk.text;
      messages += 1;
    }
  } catch (error) {
    assert.fail(isSSEError(error) ? `${error.kind}: ${error.message}` : String(error));
  }
  assert.equal(sse.closeReason, "completed");
  sse.free();
  assert.deepEqual({ text, messages }, await expectedAnswer(server));
  const stats = await (await fetch(`${server}/stats/${run}`)).json();
  assert.equal(stats.requests, 1, "requests the server saw");
});

/** What the server saw for `run`. */
const statsOf = async (run) => (await fetch(`${server}/stats/${run}`)).json();
const runId = (name) => `node-${name}-${Math.random().toString(36).slice(2)}`;

/** Connects with `options` and resolves with the log once `until` is logged. */
function logged(url, options, until) {
  const log = [];
  const sse = new SSEService();
  return new Promise((resolve, reject) => {
    const push = (entry) => {
      log.push(entry);
      if (entry.startsWith(until)) resolve({ sse, log });
    };
    setTimeout(() => reject(new Error(`no ${until} in ${JSON.stringify(log)}`)), 5000).unref();
    sse.connect(url, {
      onOpen: () => push("open"),
      onMessage: (data) => push(`message ${data.text}`),
      onComplete: () => push("complete"),
      onReconnecting: ({ attempt, lastEventId }) => push(`reconnecting ${attempt} ${lastEventId}`),
      onError: (error) => push(`error ${error.status} ${error.body}`),
      isFinal: (data) => data.status === 1,
      ...options,
    });
  });
}

test("a POST sends its headers and body", async () => {
  const run = runId("mirror");
  const { sse, log } = await logged(
    `${server}/sse/mirror?run=${run}`,
    { method: "POST", headers: () => ({ Authorization: "Bearer n0de", "X-Test": "node" }), body: "the body" },
    "complete",
  );
  assert.deepEqual(log, ["open", "message POST", "message Bearer n0de", "message node", "message the body", "complete"]);
  assert.equal(sse.closeReason, "completed");
  sse.free();
  const stats = await statsOf(run);
  assert.deepEqual([stats.requests, stats.methods, stats.bodies], [1, ["POST"], ["the body"]]);
});

test("a 401 reaches onError with its status and body", async () => {
  const run = runId("auth");
  const { sse, log } = await logged(`${server}/sse/auth?run=${run}`, { headers: { Authorization: "Bearer no" } }, "error");
  assert.deepEqual(log, ['error 401 {"error":{"message":"invalid token","type":"invalid_request_error"}}']);
  assert.equal(sse.closeReason, "failed");
  sse.free();
  assert.equal((await statsOf(run)).requests, 1);
});

test("a dropped POST resumes from Last-Event-ID", async () => {
  const run = runId("resume");
  const { sse, log } = await logged(`${server}/sse/resume?run=${run}&cut=mid`, { method: "POST", body: "p" }, "complete");
  assert.deepEqual(log.filter((e) => e.startsWith("message")).length, 6);
  assert.ok(log.includes("reconnecting 1 3"), JSON.stringify(log));
  sse.free();
  assert.deepEqual((await statsOf(run)).last_event_ids, ["", "3"]);
});

test("an AbortSignal ends the stream; the server sees the client go", async () => {
  const run = runId("abort");
  const controller = new AbortController();
  const { sse, log } = await logged(`${server}/sse/endless?run=${run}`, { signal: controller.signal }, "message ,");
  controller.abort();
  assert.equal(sse.closeReason, "disconnected");
  sse.free();
  for (let i = 0; i < 100 && (await statsOf(run)).disconnects === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  assert.equal((await statsOf(run)).disconnects, 1);
  assert.ok(!log.some((e) => e.startsWith("error")), JSON.stringify(log));
});

test("the process exits by itself after a stream: no timer or socket left behind", async () => {
  const { spawn } = await import("node:child_process");
  const script = `
    import init, { SSEService } from "wasm-sse";
    await init();
    const sse = new SSEService();
    for await (const chunk of sse.stream(process.argv[1], { isFinal: (d) => d.status === 1 })) {}
    const idle = new SSEService();
    idle.connect(process.argv[2], { idleTimeout: 60000, maxReconnectAttempts: 3 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    idle.disconnect();
    console.log(sse.closeReason, idle.closeReason);
  `;
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", script, `${server}/sse/basic?run=${runId("exit")}`, `${server}/sse/endless?run=${runId("exit2")}`],
    { cwd: new URL("..", import.meta.url) },
  );
  let out = "";
  child.stdout.on("data", (data) => (out += data));
  child.stderr.on("data", (data) => (out += data));
  const code = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the process did not exit within 10 s: ${out}`));
    }, 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  assert.equal(code, 0, out);
  assert.equal(out.trim(), "completed disconnected");
});

test("an OpenAI-compatible stream: POST, bearer token, doneData [DONE]", async () => {
  const run = runId("openai");
  const sse = new SSEService();
  let answer = "";
  const finish = [];
  const chunks = sse.stream(`${server}/v1/chat/completions?run=${run}&delay=0`, {
    method: "POST",
    headers: { Authorization: "Bearer demo-token", "Content-Type": "application/json" },
    body: JSON.stringify({ model: "demo", stream: true, messages: [{ role: "user", content: "hi" }] }),
    doneData: "[DONE]",
  });
  for await (const chunk of chunks) {
    answer += chunk.choices[0].delta.content ?? "";
    finish.push(chunk.choices[0].finish_reason);
  }
  assert.equal(sse.closeReason, "completed");
  sse.free();
  assert.match(answer, /^You asked: “hi”\. This is turn 1 of our conversation/);
  assert.equal(finish.at(-1), "stop");
  assert.equal((await statsOf(run)).requests, 1);
});
