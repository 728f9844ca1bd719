// SSEService and the iterator of its stream(): they check the options, keep the stream alive
// until it ends (live.js), and convert; the wasm does the rest.

import { open } from "./wasm_sse.js";
import { dispose, Live, lifeOf } from "./live.js";
import { read } from "./options.js";
import { Sink } from "./sink.js";
import { SSESubscription } from "./subscription.js";

export class SSEService extends Live {
  connect(url, options) {
    this.#open(url, read(options), undefined);
  }

  stream(url, options) {
    const iterator = new SseStreamIterator(this);
    this.#open(url, read(options, true), iterator);
    return iterator;
  }

  static subscribe(url, options) {
    return new SSESubscription(url, options);
  }

  disconnect() {
    lifeOf(this).end(true);
  }

  #open(url, { settings, options }, iterator) {
    const life = lifeOf(this);
    const sink = new Sink(options, () => life.end(false), iterator);
    life.begin(() => open(String(url), settings, sink), options.signal, () => iterator?.end());
  }
}

const DONE = Object.freeze({ value: undefined, done: true });

/**
 * The async iterator `stream()` returns: it yields each message's data, returns after a
 * normal completion or a disconnect, and throws the `SSEError` of a failure.
 */
export class SseStreamIterator {
  #service;
  /** What the stream produced and `next()` has not taken: `{ value }` or `{ error }`. */
  #items = [];
  /** A `next()` waiting for an item. */
  #waiting;
  #ended = false;

  constructor(service) {
    this.#service = service;
  }

  next() {
    const item = this.#items.shift();
    if (item) return item.error ? Promise.reject(item.error) : Promise.resolve({ value: item.value, done: false });
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** `break` in a `for await` loop: disconnects. */
  return() {
    this.#stop();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Disconnects, like `break`. */
  free() {
    this.#stop();
  }

  /** `using`: as free(). */
  [dispose]() {
    this.free();
  }

  get readyState() {
    return this.#service.readyState;
  }

  get isClosing() {
    return this.#service.isClosing;
  }

  get closeReason() {
    return this.#service.closeReason;
  }

  get lastEventId() {
    return this.#service.lastEventId;
  }

  // The stream's side.

  push(value) {
    if (this.#ended) return;
    const waiting = this.#take();
    if (waiting) waiting.resolve({ value, done: false });
    else this.#items.push({ value });
  }

  /** Throws `error` (after the items before it), ends, and disconnects. */
  fail(error) {
    if (this.#ended) return;
    const waiting = this.#take();
    if (waiting) waiting.reject(error);
    else this.#items.push({ error });
    this.#stop();
  }

  /** No more items: a waiting `next()`, and every later one, is done. */
  end() {
    this.#ended = true;
    this.#take()?.resolve(DONE);
  }

  #take() {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    return waiting;
  }

  /** Ends the iteration; disconnects the stream if it is still this iterator's. */
  #stop() {
    if (this.#ended) return;
    this.end();
    this.#service.disconnect();
  }
}
