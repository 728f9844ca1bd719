// The lifetime of a stream's JS object (an SSEService or an SSESubscription): while its stream
// goes on, the object holds the stream's wasm handle and sits in `live`, so it stays alive
// however the page drops its references, as the browser keeps a connecting or open
// `EventSource` alive. When the stream ends (completed, failed, disconnected, unsubscribed,
// aborted), the object keeps the stream's last state, releases the handle and leaves `live`:
// from then on it is collectable like any object.

import { close, lastEventId, release, state } from "./wasm_sse.js";

/** `using`'s key: `Symbol.dispose`, or where an engine lacks it, the key polyfills use. */
export const dispose = Symbol.dispose ?? Symbol.for("Symbol.dispose");

/** The objects whose stream is going on. */
const live = new Set();

/** `closeReason` by the bits 3-4 of a packed state (src/js/mod.rs, `state`). */
const REASONS = [null, "completed", "disconnected", "failed"];

/** The packed state of an object with no stream: closed, not closing, no close reason. */
const CLOSED = 2;
const DISCONNECTED = 2 | 4 | (2 << 3);

/** Each `Live` object's lifetime. */
const lives = new WeakMap();

/** The lifetime of a `Live` object, for its class's own methods. */
export const lifeOf = (object) => lives.get(object);

/**
 * What SSEService and SSESubscription share: a lifetime, the state it reads, and `free()`
 * (also `using`'s disposal).
 */
export class Live {
  constructor() {
    lives.set(this, new Life(this));
  }

  free() {
    lifeOf(this).free();
  }

  [dispose]() {
    this.free();
  }

  get readyState() {
    return lifeOf(this).readyState;
  }

  get isClosing() {
    return lifeOf(this).isClosing;
  }

  get closeReason() {
    return lifeOf(this).closeReason;
  }

  get lastEventId() {
    return lifeOf(this).lastEventId;
  }
}

class Life {
  /** `owner` is the object kept alive; `onEnd` runs when its stream ends. */
  constructor(owner) {
    this.owner = owner;
    this.handle = undefined;
    this.last = CLOSED;
    this.lastId = "";
    this.freed = false;
    this.onEnd = undefined;
    this.unlisten = undefined;
  }

  /**
   * Starts a stream with `start()` (which opens it and returns its handle; what it throws is
   * thrown) unless `signal` is already aborted; aborting `signal` later ends it like `end(true)`.
   */
  begin(start, signal, onEnd) {
    if (this.freed) throw new TypeError("wasm-sse: this object was freed");
    this.end(true);
    if (signal?.aborted) {
      this.last = DISCONNECTED;
      onEnd?.();
      return;
    }
    this.handle = start();
    this.onEnd = onEnd;
    live.add(this.owner);
    if (signal) {
      const abort = () => this.end(true);
      signal.addEventListener("abort", abort, { once: true });
      this.unlisten = () => signal.removeEventListener("abort", abort);
    }
  }

  /**
   * Ends the stream, if one goes on: closed first when `closing` (the client's choice), else it
   * ended by itself. Idempotent.
   */
  end(closing) {
    const handle = this.handle;
    if (handle === undefined) return;
    if (closing) close(handle);
    this.last = state(handle);
    this.lastId = lastEventId(handle);
    this.handle = undefined;
    release(handle);
    live.delete(this.owner);
    this.unlisten?.();
    this.unlisten = undefined;
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }

  /** Ends the stream as the client's choice, and refuses any new one. */
  free() {
    this.end(true);
    if (this.last >> 3 === 0) this.last = DISCONNECTED;
    this.freed = true;
  }

  state() {
    return this.handle === undefined ? this.last : state(this.handle);
  }

  get readyState() {
    return this.state() & 3;
  }

  get isClosing() {
    return (this.state() & 4) !== 0;
  }

  get closeReason() {
    return REASONS[this.state() >> 3];
  }

  get lastEventId() {
    return this.handle === undefined ? this.lastId : lastEventId(this.handle);
  }
}
