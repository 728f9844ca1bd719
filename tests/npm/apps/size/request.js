// What the size apps (tests/npm/sizes.mjs) share, the way an app shares its own code: the chat
// request, and how to publish the outcome (window.__chat, as the other consumer apps do).
// Every app streams the same answer; the page's query gives the SSE test server (`sse`) and a
// `run` id.
export { report, reportError } from "../chat.js";

const query = new URLSearchParams(location.search);
const server = query.get("sse") ?? location.origin;
const run = query.get("run") ?? "manual";

/** An OpenAI-style chat completion: POST, JSON body, bearer token; the stream ends with [DONE]. */
export const chatUrl = `${server}/v1/chat/completions?delay=2&run=${run}`;
export const chatRequest = {
  method: "POST",
  headers: { Authorization: "Bearer demo-token", "Content-Type": "application/json" },
  body: JSON.stringify({ model: "demo", stream: true, messages: [{ role: "user", content: "hello" }] }),
};

/** A chunk's token (the first and last chunks have none). */
export const token = (chunk) => chunk.choices[0]?.delta?.content ?? "";

/** A GET stream for sharing: the demo's answer to "hello", its last chunk with status 1. */
export const sharedUrl = `${server}/api/chat?q=hello&delay=2&run=${run}`;
