// Shared streams: one hub per stream (its key: the URL and connection settings) holds one
// connection and fans what happens on it out to its members. A member is a subscriber's own
// connection, whose transport is this hub (src/transport/relay.rs): it applies its own named
// events, decoding and completion rules, as a private connection would. The hub's connection
// listens for the union of its members' named events.
//
// With `tabs`, the hubs of one key in the tabs of an origin elect a leader with a Web Lock: the
// leader holds the connection and relays everything over a BroadcastChannel; the others hold
// none. When the leader goes, the next tab in line connects, resuming from the last event id
// it saw.
//
// Everything that happens is a record `[kind, a, b, c, d]`, the same from the connection, to
// the members and between tabs (src/transport/relay.rs, src/share/link.rs and
// pkg-template/subscription.js use the same numbers):
const OPEN = 1;
const EVENT = 2; // a: type, b: data, c: last event id
const RECONNECTING = 3; // a: attempt, b: last event id, c: delay, d: status
const FAILED = 4; // a: code, b: status, c: text, d: detail (see link.rs)
// Between tabs only:
const HELLO = 5; // a tab joined; the leader answers with STATE
const STATE = 6; // a: ready state, b: last event id, c: the last event (a record) or null
const LEADER = 7; // a new leader connects
const LISTEN = 8; // a: names a follower's members listen for
// To a new member only:
const ID = 9; // a: the last event id so far

// What the hub asks of its connection, through `control(handle, op, name)`.
const CLOSE = 0;
const ADD_NAME = 1;
const REMOVE_NAME = 2;

const hubs = new Map();

/**
 * Adds `member` (a function taking records) to the hub of `key`, opening it on first use;
 * returns the function that removes it. `names` are the named events it listens for; with
 * `replayLast` it gets the hub's last event first. `connect(names, resumeFrom, sink)` opens the
 * hub's connection (the members of a hub share their settings, so any member's will do),
 * returning its handle or why it could not; `control` closes it or changes its names. Throws (a
 * SyntaxError with the browser's message) if the first member's connection cannot be opened.
 */
export function hub_join(key, tabs, names, replayLast, member, connect, control) {
  let hub = hubs.get(key);
  if (!hub) {
    hub = new Hub(key, tabs && tabsSupported(), control);
    hubs.set(key, hub);
  }
  hub.add(member, { names, connect }, replayLast);
  return () => hub.remove(member);
}

function tabsSupported() {
  return typeof BroadcastChannel === "function" && typeof navigator?.locks?.request === "function";
}

class Hub {
  constructor(key, tabs, control) {
    this.key = key;
    this.control = control;
    /** Each member, with the names it listens for and its `connect`. */
    this.members = new Map();
    /** How many members (and, leading, whether a follower tab) listen for each name. */
    this.names = new Map();
    /** The connection's handle, while this hub holds one. */
    this.handle = undefined;
    this.state = 0;
    this.last = null;
    this.lastId = "";
    /** Members waiting for the last event from the leader tab (`replayLast` in a follower). */
    this.waiting = new Set();
    /** Whether this hub knows where the stream is (it leads, or the leader answered). */
    this.told = !tabs;
    this.port = tabs ? new TabPort(`wasm-sse ${key}`, (record) => this.relayed(record), () => this.lead()) : undefined;
    // A new tab asks the leader, if there is one, where the stream is.
    this.port?.post([HELLO]);
  }

  add(member, joined, replayLast) {
    this.members.set(member, joined);
    const added = joined.names.filter((name) => this.count(name, 1) === 1);
    if (this.port && this.handle === undefined) {
      // Following: the leader listens for these names too.
      if (added.length) this.port.post([LISTEN, added]);
      if (replayLast && !this.told) this.waiting.add(member);
      else this.greet(member, replayLast);
      return;
    }
    if (this.handle === undefined && !this.port) this.connect(undefined);
    else for (const name of added) this.listen(ADD_NAME, name);
    this.greet(member, replayLast);
  }

  remove(member) {
    const joined = this.members.get(member);
    if (!joined) return;
    this.members.delete(member);
    this.waiting.delete(member);
    for (const name of joined.names) if (this.count(name, -1) === 0) this.listen(REMOVE_NAME, name);
    if (this.members.size === 0) this.end();
  }

  count(name, change) {
    const count = (this.names.get(name) ?? 0) + change;
    if (count > 0) this.names.set(name, count);
    else this.names.delete(name);
    return count;
  }

  listen(op, name) {
    if (this.handle !== undefined) this.control(this.handle, op, name);
  }

  /** What a private connection would have told a new member by now: open, and the last event. */
  greet(member, replayLast) {
    const { state, lastId } = this;
    const last = replayLast ? this.last : null;
    if (state !== 1 && !last && !lastId) return;
    queueMicrotask(() => {
      if (!this.members.has(member)) return;
      if (state === 1) member(OPEN);
      if (last) member(...last);
      else if (lastId) member(ID, lastId);
    });
  }

  /** Opens this hub's connection with one of its members' settings (they are the same). */
  connect(resumeFrom) {
    const [{ connect }] = this.members.values();
    const handle = connect([...this.names.keys()], resumeFrom, (...record) => this.happened(record));
    if (typeof handle === "string") {
      if (this.port) return this.happened([FAILED, 0, 0, handle]);
      hubs.delete(this.key);
      throw new SyntaxError(handle);
    }
    this.handle = handle;
  }

  /** A record from this hub's connection: relayed to the other tabs, then to the members. */
  happened(record) {
    this.port?.post(record);
    this.deliver(record);
  }

  deliver(record) {
    const [kind] = record;
    // An event relayed from an open stream opens it here.
    if (kind === EVENT && this.state !== 1) this.deliver([OPEN]);
    if (kind === OPEN) this.state = 1;
    if (kind === RECONNECTING) this.state = 0;
    if (kind === EVENT) {
      this.last = record;
      this.lastId = record[3];
    }
    if (kind === FAILED) this.end();
    for (const member of [...this.members.keys()]) {
      if (!this.waiting.has(member)) member(...record);
    }
  }

  /** A record from another tab. */
  relayed(record) {
    const [kind, a] = record;
    if (this.handle !== undefined) {
      // The leader answers newcomers and listens for their names.
      if (kind === HELLO) this.port.post([STATE, this.state, this.lastId, this.last]);
      if (kind === LISTEN) for (const name of a) if (this.count(name, 1) === 1) this.listen(ADD_NAME, name);
      return;
    }
    if (kind === STATE) return this.answered(record);
    if (kind === LEADER) return this.leaderChanged();
    if (kind <= FAILED) this.deliver(record);
  }

  /** The leader's state: the first one tells a new tab where the stream is. */
  answered([, state, lastId, last]) {
    if (this.told) return;
    if (!this.lastId) this.lastId = lastId;
    if (state === 1 && this.state !== 1) this.deliver([OPEN]);
    this.last ??= last;
    this.tellWaiting();
  }

  /** Greets the members that waited to learn the last event. */
  tellWaiting() {
    this.told = true;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const member of waiting) this.greet(member, true);
  }

  /** A new leader connects: members that saw the stream open see it reconnecting. */
  leaderChanged() {
    this.port.post([LISTEN, [...this.names.keys()]]);
    if (this.state === 1) this.deliver([RECONNECTING, 1, this.lastId]);
  }

  /** This tab got the lock: it connects, resuming from the last event id it saw. */
  lead() {
    if (this.members.size === 0) return;
    this.port.post([LEADER]);
    if (this.state === 1) this.deliver([RECONNECTING, 1, this.lastId]);
    // Nobody else will answer the members waiting for the last event.
    this.tellWaiting();
    this.connect(this.lastId || undefined);
  }

  /** Closes the connection and leaves the tabs, for good. */
  end() {
    if (hubs.get(this.key) === this) hubs.delete(this.key);
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) this.control(handle, CLOSE);
    this.port?.close();
    this.port = undefined;
  }
}

// The two browser APIs of tabs mode: a BroadcastChannel to relay on, and a Web Lock whose holder
// leads (held until close(), or until the tab goes: then the next tab in line leads).
class TabPort {
  constructor(name, onRecord, onLead) {
    this.active = true;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => this.active && onRecord(event.data);
    this.controller = new AbortController();
    this.held = new Promise((resolve) => (this.release = resolve));
    navigator.locks
      .request(name, { signal: this.controller.signal }, () => {
        if (!this.active) return undefined;
        onLead();
        return this.held;
      })
      .catch(() => {});
  }

  post(record) {
    if (this.active) this.channel.postMessage(record);
  }

  close() {
    if (!this.active) return;
    this.active = false;
    this.controller.abort();
    this.release();
    this.channel.close();
  }
}
