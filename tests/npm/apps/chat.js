// What every consumer app shares: the chat request to stream and how to publish the outcome.
// The page's query gives the SSE test server (`sse`, default: this origin) and a `run` id,
// which the server counts requests by (/stats/{run}). The runner (tests/npm/run.mjs) reads
// window.__chat: { text, messages, closeReason } once the answer completed, or { error }.

const query = new URLSearchParams(location.search);

/** The chat answer's URL (5 ms between tokens). */
export const chatUrl = `${query.get("sse") ?? location.origin}/api/chat?q=hello&delay=5&run=${query.get("run") ?? "manual"}`;

/** Is the chunk the answer's last? (The server marks it with `status: 1`.) */
export const isFinal = (chunk) => chunk.status === 1;

/** Publishes the outcome once, for the runner and for a person looking at the page. */
export function report(outcome) {
  if (window.__chat) return;
  window.__chat = outcome;
  const line = document.createElement("pre");
  line.id = "outcome";
  line.textContent = JSON.stringify(outcome, null, 2);
  document.body.append(line);
}

/** Reports an error (with its stack) as the outcome. */
export const reportError = (error) => report({ error: String(error?.stack ?? error) });
