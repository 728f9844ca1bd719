// SSESubscription: one subscriber of a shared stream (SSEService.subscribe). Kept alive while
// subscribed, like a service while its stream goes on (live.js). It is a connection whose
// transport is the stream's hub (src/share/hub.js, src/transport/relay.rs); the hub opens its
// own connection through `connect` below, with the subscriber's settings.

import { close, listen, open, release } from "./wasm_sse.js";
import { Live, lifeOf } from "./live.js";
import { hubSettings, readSubscribe } from "./options.js";
import { Sink } from "./sink.js";

// The kinds of hub.js's records, and what it asks of its connection.
const OPEN = 1;
const EVENT = 2;
const RECONNECTING = 3;
const FAILED = 4;
const CLOSE = 0;
const ADD_NAME = 1;

/** What a hub asks of its connection: to close, or to listen for a name or no longer. */
function control(handle, op, name) {
  if (op === CLOSE) {
    close(handle);
    release(handle);
  } else listen(handle, name, op === ADD_NAME);
}

/** The sink of a hub's connection: what happens on it, as hub.js's records. */
const hubSink = (record) => ({
  open: () => record(OPEN),
  relay: (type, data, id, origin) => record(EVENT, type, data, id, origin),
  reconnecting: (attempt, id, delay, status) => record(RECONNECTING, attempt, id, delay, status),
  error: (failed, _message, _data, failure) => failed && record(FAILED, ...failure),
});

export class SSESubscription extends Live {
  /** Use `SSEService.subscribe(url, options)`. */
  constructor(url, options) {
    super();
    url = String(url);
    const { settings, options: rest, relay } = readSubscribe(url, options);
    // Opens the hub's connection: its handle, or why it could not be opened.
    const connect = (names, resumeFrom, record) => {
      try {
        return open(url, hubSettings(settings, names, resumeFrom), hubSink(record));
      } catch (error) {
        return error.message;
      }
    };
    relay(connect, control);
    const life = lifeOf(this);
    const sink = new Sink(rest, () => life.end(false));
    life.begin(() => open(url, settings, sink), rest.signal);
  }

  unsubscribe() {
    lifeOf(this).end(true);
  }
}
