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

test("a chat answer streams once over the fetch transport (GET)", async (t) => {
  assert.ok(server, "set SSE_SERVER_URL");
  const run = `node-${Math.random().toString(36).slice(2)}`;
  const url = `${server}/api/chat?q=hello&delay=5&run=${run}`;
  const sse = new SSEService();
  let chunks;
  try {
    chunks = sse.stream(url, { transport: "fetch", isFinal: (chunk) => chunk.status === 1 });
  } catch (error) {
    if (typeof EventSource === "undefined") {
      // Until the fetch transport (issue #9) is in the package, Node has nothing to stream with.
      sse.free();
      t.skip(`no fetch transport in this build and no EventSource in Node: ${error.message}`);
      return;
    }
    throw error;
  }
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
