// Where the wasm reports what happens to one stream (src/js/sink.rs calls these methods). The
// sink calls the user's functions and never throws: what they throw is logged, as the browser
// does for a throwing event listener, and the stream goes on.

/** Calls `f(...args)`, if there is an `f`; an exception is logged, never propagated. */
function call(f, ...args) {
  try {
    f?.(...args);
  } catch (error) {
    console.error("wasm-sse: a callback threw:", error);
  }
}

/**
 * An `SSEError`: a real `Error` (with a stack) carrying kind, data and readyState; with the
 * status and body of a refused response (failure codes 2 and 3, src/transport/relay.rs).
 */
function sseError(failed, message, data, [code, status, body] = []) {
  const error = new Error(message);
  error.name = "SSEError";
  error.kind = failed ? "failed" : "parse";
  if (data !== undefined) error.data = data;
  // Data arrives only while the connection is open; a failure ends it.
  error.readyState = failed ? 2 : 1;
  if (code === 2 || code === 3) {
    error.status = status;
    error.body = body;
  }
  return error;
}

/** Whether `value` is an `SSEError` (what `onError` gets and `stream()` throws). */
export function isSSEError(value) {
  return (
    value instanceof Error &&
    value.name === "SSEError" &&
    (value.kind === "failed" || value.kind === "parse")
  );
}

/**
 * The sink of a stream with the callbacks of `options`. `ended()` runs when the stream is over
 * by itself (completed or failed), before the user hears of it, so that the object reads as
 * closed inside `onComplete` and `onError`. `queue` (a `stream()` iterator) takes the messages
 * and the errors instead, but parse errors go to `onError` when there is one.
 */
export class Sink {
  constructor(options, ended, queue) {
    this.options = options;
    this.handlers = Object.values(options.events ?? {});
    this.ended = ended;
    this.queue = queue;
  }

  open(response) {
    if (response === undefined) call(this.options.onOpen);
    else call(this.options.onOpen, response);
  }

  message(target, data, event) {
    if (target < 0 && this.queue) return this.queue.push(data);
    const f = target < 0 ? this.options.onMessage : this.handlers[target];
    if (event === undefined) call(f, data);
    else call(f, data, event);
  }

  isFinal(data) {
    try {
      return Boolean(this.options.isFinal(data));
    } catch (error) {
      console.error("wasm-sse: a callback threw:", error);
      return false;
    }
  }

  complete() {
    this.ended();
    call(this.options.onComplete);
  }

  reconnecting(attempt, lastEventId, delay, status) {
    const info = { attempt, lastEventId };
    if (delay !== undefined) info.delay = delay;
    if (status !== undefined) info.status = status;
    call(this.options.onReconnecting, info);
  }

  error(failed, message, data, failure) {
    const error = sseError(failed, message, data, failure);
    // The iterator throws it (and ends) before the stream's end would end the iterator.
    const thrown = this.queue && (failed || !this.options.onError);
    if (thrown) this.queue.fail(error);
    if (failed) this.ended();
    if (!thrown) call(this.options.onError, error);
  }
}
