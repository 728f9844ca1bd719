// SSESubscription: one subscriber of a shared stream (SSEService.subscribe). Kept alive while
// subscribed, like a service while its stream goes on (live.js).

import { join } from "./wasm_sse.js";
import { dispose, Life } from "./live.js";
import { readSubscribe } from "./options.js";
import { Sink } from "./sink.js";

export class SSESubscription {
  #life = new Life(this);

  /** Use `SSEService.subscribe(url, options)`. */
  constructor(url, options) {
    const { settings, options: rest, tabs, replayLast } = readSubscribe(options);
    const life = this.#life;
    const sink = new Sink(rest, () => life.end(false));
    life.begin(() => join(String(url), settings, tabs, replayLast, sink), rest.signal);
  }

  unsubscribe() {
    this.#life.end(true);
  }

  free() {
    this.#life.free();
  }

  /** `using`: as free(), which unsubscribes. */
  [dispose]() {
    this.free();
  }

  get readyState() {
    return this.#life.readyState;
  }

  get isClosing() {
    return this.#life.isClosing;
  }

  get closeReason() {
    return this.#life.closeReason;
  }

  get lastEventId() {
    return this.#life.lastEventId;
  }
}
