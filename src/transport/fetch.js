// The fetch transport's I/O, in JS: one attempt builds the request, calls fetch and reads the
// response body, and reports each step to ONE Rust callback, `on(kind, value)`. Rust keeps every
// decision (statuses, parsing, retries, timers); what is here is what an async Rust task would
// do, at a fraction of its wasm size (no state machine, no futures executor in the package).

// The kinds of `on(kind, value)`; src/transport/fetch.rs has the same numbers.
const REFUSED = 0; // value: a message; the request could not be made
const NETWORK = 1; // value: a message; fetch rejected
const RESPONSE = 2; // value: the Response; `on` returns true to stream it, else its text is read
const TEXT = 3; // value: the start of an error response's body, as text
const CHUNK = 4; // value: a Uint8Array of the event stream
const END = 5; // the event stream ended
const LOST = 6; // the body could not be read (a network error, or our abort)

// How much of an error response's body is kept.
const ERROR_BODY_LIMIT = 64 * 1024;
// The most of a chunk handed to wasm at once.
const SLICE = 64 * 1024;

// The `message` of a thrown value (an Error or DOMException), or its string form.
const messageOf = (error) =>
  error instanceof Error
    ? error.message
    : typeof error === "string"
      ? error
      : "the browser threw a value that is not an Error";

// An attempt; `stop()` (the Rust handle's drop) silences it and aborts the request, `abort()`
// (the idle timeout) aborts it and lets the loss be reported.
export class Attempt {
  constructor() {
    this.stopped = false;
    this.controller = undefined;
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  abort() {
    this.controller?.abort();
  }

  // Runs the attempt. `headers` is an array of header parts, `body` a body part or undefined.
  async run(fetchFn, url, method, headers, body, withCredentials, lastEventId, on) {
    const report = (kind, value) => !this.stopped && on(kind, value);
    // Nothing is reported before Rust has stored this attempt.
    await undefined;
    if (this.stopped) return;
    try {
      this.controller = new AbortController();
    } catch {
      return report(REFUSED, "no AbortController");
    }
    let pending;
    try {
      const merged = new Headers();
      for (const part of headers) {
        const given = new Headers(await part_of(part, "headers"));
        for (const [name, value] of given) merged.set(name, value);
      }
      if (!merged.has("accept")) merged.set("accept", "text/event-stream");
      if (lastEventId === "") {
        merged.delete("last-event-id");
      } else {
        // The id's UTF-8 bytes, one Latin-1 character each: what a native EventSource puts on
        // the wire, and a value fetch accepts whatever the id's characters.
        let latin1 = "";
        for (const byte of new TextEncoder().encode(lastEventId)) latin1 += String.fromCharCode(byte);
        merged.set("last-event-id", latin1);
      }
      const init = { method, headers: merged };
      if (body !== undefined) {
        const value = await part_of(body, "body");
        if (value != null) init.body = value;
      }
      init.credentials = withCredentials ? "include" : "same-origin";
      init.cache = "no-store";
      init.signal = this.controller.signal;
      fetchFn ??= globalThis.fetch;
      if (typeof fetchFn !== "function") throw "this runtime has no fetch";
      pending = fetchFn.call(globalThis, url, init);
    } catch (error) {
      return report(REFUSED, error instanceof GetterError ? error.message : messageOf(error));
    }
    let response;
    try {
      response = await pending;
    } catch (error) {
      return report(NETWORK, messageOf(error));
    }
    if (this.stopped) return;
    if (!report(RESPONSE, response)) {
      if (!this.stopped) report(TEXT, await text(response));
      return;
    }
    const reader = response.body?.getReader();
    if (!reader) return report(LOST);
    for (;;) {
      let read;
      try {
        read = await reader.read();
      } catch {
        return report(LOST);
      }
      if (this.stopped) return;
      if (read.done) return report(END);
      // A reader that fell behind gets megabytes at once. In slices, each is parsed while its
      // copy in wasm memory is still in cache, and wasm memory never holds the whole chunk.
      const chunk = read.value;
      for (let at = 0; at < chunk.length; at += SLICE) {
        report(CHUNK, chunk.subarray(at, at + SLICE));
        if (this.stopped) return;
      }
    }
  }
}

// A getter's failure, named after what it was getting.
class GetterError extends Error {}

// A part (a header init or a body): a fixed value, a JS function (sync or async), or the
// promise of a Rust getter.
async function part_of(part, what) {
  try {
    return await (typeof part === "function" ? part() : part);
  } catch (error) {
    throw new GetterError(`${what} getter failed: ${messageOf(error)}`);
  }
}

// The start of an error response's body, as text (at most ERROR_BODY_LIMIT bytes).
async function text(response) {
  const parts = [];
  let length = 0;
  const reader = response.body?.getReader();
  if (reader) {
    try {
      while (length < ERROR_BODY_LIMIT) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        length += value.length;
      }
    } catch {}
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(length, ERROR_BODY_LIMIT));
  let at = 0;
  for (const part of parts) {
    const taken = part.subarray(0, bytes.length - at);
    bytes.set(taken, at);
    at += taken.length;
  }
  let text = new TextDecoder().decode(bytes);
  // The cut may have split a character: drop the replacement it made.
  if (bytes.length === ERROR_BODY_LIMIT && text.endsWith("\uFFFD")) text = text.slice(0, -1);
  return text;
}
