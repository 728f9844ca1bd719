// Reading the options of connect(), stream() and SSEService.subscribe(): checked here (a
// TypeError that names an unknown key or a value of the wrong type), then turned into the
// compact settings array the wasm reads by position (src/js/settings.rs has the same positions).

// Positions in the settings array, and the bits of its flags.
const TRANSPORT = 0;
const FLAGS = 1;
const NAMES = 2;
const DONE_EVENT = 3;
const DONE_DATA = 4;
const LAST_EVENT_ID = 10;
const TAKES_EVENT = 14;
const RELAY = 15;
const WITH_CREDENTIALS = 1;
const RAW = 2;
const FLUSH_AT_END = 4;
const HUB = 32;

const TYPES = {
  withCredentials: "boolean",
  json: "boolean",
  onOpen: "function",
  onMessage: "function",
  events: "events",
  isFinal: "function",
  doneEvent: "string",
  doneData: "string",
  onComplete: "function",
  onReconnecting: "function",
  onError: "function",
  maxReconnectAttempts: "count",
  transport: "transport",
  method: "string",
  headers: "headers",
  body: "body",
  fetch: "function",
  signal: "signal",
  lastEventId: "string",
  idleTimeout: "duration",
  reconnect: "reconnect",
  flushAtEnd: "boolean",
  maxEventSize: "size",
};

// The options only the fetch transport can honour; any of them selects it.
const FETCH_ONLY = [
  "method",
  "headers",
  "body",
  "fetch",
  "lastEventId",
  "idleTimeout",
  "reconnect",
  "flushAtEnd",
  "maxEventSize",
];

const EXPECTED = {
  boolean: "a boolean",
  string: "a string",
  function: "a function",
  events: "an object of functions",
  count: "a whole number of at least 0",
  transport: '"eventsource" or "fetch"',
  headers: "a HeadersInit (object, array of pairs, Headers) or a function returning one",
  body: "a BodyInit, null, or a function returning one",
  signal: "an AbortSignal",
  duration: "a number of milliseconds above 0",
  reconnect: '"auto", "always" or "never"',
  size: "a whole number of bytes above 0",
};

// What stream() refuses: the iterator itself takes the messages and the completion.
const NOT_FOR_STREAM = ["onMessage", "onComplete"];

const RECONNECT = ["auto", "always", "never"];

const describe = (value) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;

const fail = (message) => {
  throw new TypeError(`SSEConnectOptions: ${message}`);
};

const isObject = (value) =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function fits(type, value) {
  switch (type) {
    case "events":
      return isObject(value);
    case "count":
      return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
    case "transport":
      return value === "eventsource" || value === "fetch";
    case "headers":
      return typeof value === "function" || (typeof value === "object" && value !== null);
    case "body":
      return true;
    case "signal":
      return typeof AbortSignal !== "undefined" && value instanceof AbortSignal;
    case "duration":
      return typeof value === "number" && value > 0 && value <= 0x7fffffff;
    case "reconnect":
      return RECONNECT.includes(value);
    case "size":
      return Number.isInteger(value) && value > 0 && value <= 0xffffffff;
    default:
      return typeof value === type;
  }
}

// Throws a TypeError that names the offending option of an options object.
function check(options, forStream) {
  if (!isObject(options)) fail(`options must be an object, got ${describe(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(TYPES, key)) fail(`unknown option "${key}"`);
    if (value === undefined) continue;
    if (forStream && NOT_FOR_STREAM.includes(key)) {
      fail(`${key} is not used by stream(): the iterator yields the messages`);
    }
    const type = TYPES[key];
    if (!fits(type, value)) fail(`${key} must be ${EXPECTED[type]}, got ${describe(value)}`);
    if (type === "events") {
      for (const [name, handler] of Object.entries(value)) {
        if (typeof handler !== "function") {
          fail(`events["${name}"] must be a function, got ${describe(handler)}`);
        }
      }
    }
  }
  if (options.transport === "eventsource") {
    const key = FETCH_ONLY.find((key) => options[key] !== undefined);
    if (key) fail(`${key} needs the fetch transport, but transport is "eventsource"`);
    if (typeof EventSource === "undefined") {
      fail('transport "eventsource" needs a global EventSource, which this runtime lacks');
    }
  }
  const method = (options.method ?? "GET").toUpperCase();
  if (options.body != null && (method === "GET" || method === "HEAD")) {
    fail(`body cannot be sent with a ${method} request: set method (e.g. "POST")`);
  }
}

/**
 * Checks `options` (`undefined` and `null` are no options) and reads them: the settings array
 * for the wasm, and the options object itself (for its callbacks). `forStream` refuses the
 * callbacks the iterator takes over, and asks for every unnamed message.
 */
export function read(options, forStream = false) {
  options ??= {};
  check(options, forStream);
  const events = Object.values(options.events ?? {});
  const flags =
    (options.withCredentials ? WITH_CREDENTIALS : 0) |
    (options.json === false ? RAW : 0) |
    (options.flushAtEnd ? FLUSH_AT_END : 0) |
    (options.onMessage || forStream ? 8 : 0) |
    (options.isFinal ? 16 : 0);
  const settings = [
    [undefined, "eventsource", "fetch"].indexOf(options.transport),
    flags,
    Object.keys(options.events ?? {}),
    options.doneEvent,
    options.doneData,
    options.maxReconnectAttempts,
    options.method,
    options.headers,
    options.body,
    options.fetch,
    options.lastEventId,
    options.idleTimeout,
    options.reconnect === undefined ? undefined : RECONNECT.indexOf(options.reconnect),
    options.maxEventSize,
    // Whether each handler declares the event parameter: only then is it built for a fetch event.
    [options.onMessage, ...events].map((f) => f?.length >= 2),
  ];
  return { settings, options };
}

/**
 * SSEService.subscribe's options: its two own ones split off, the rest read as connect()'s,
 * refusing what cannot be shared; with `relay(key)`, which gives the settings their hub.
 */
export function readSubscribe(url, options) {
  options ??= {};
  if (!isObject(options)) fail(`options must be an object, got ${describe(options)}`);
  const { share, replayLast, ...rest } = options;
  if (share !== undefined && share !== "page" && share !== "tabs") {
    fail(`share must be "page" or "tabs", got ${describe(share)}`);
  }
  if (replayLast !== undefined && typeof replayLast !== "boolean") {
    fail(`replayLast must be a boolean, got ${describe(replayLast)}`);
  }
  const read_ = read(rest);
  const refused =
    (rest.method ?? "GET").toUpperCase() !== "GET"
      ? `a ${rest.method} stream`
      : rest.body != null
        ? "a request body"
        : rest.fetch
          ? "a custom fetch function"
          : typeof rest.headers === "function"
            ? "a headers function"
            : undefined;
  if (refused) fail(`sharing is GET-only: ${refused} belongs to one caller (use connect)`);
  const tabs = share === "tabs";
  const { settings } = read_;
  // Two subscriptions share when these match: the URL and every connection setting.
  const connection = settings.filter((_, at) => ![FLAGS, NAMES, DONE_EVENT, DONE_DATA, TAKES_EVENT].includes(at));
  connection.push(settings[FLAGS] & (WITH_CREDENTIALS | FLUSH_AT_END), headersKey(rest.headers));
  const key = JSON.stringify([url, tabs, ...connection]);
  return { ...read_, relay: (connect, control) => (settings[RELAY] = [key, tabs, replayLast ?? false, connect, control]) };
}

/** Header values as a canonical text (names lowercased, sorted). */
function headersKey(headers) {
  try {
    return headers === undefined ? "" : [...new Headers(headers)];
  } catch {
    return String(headers);
  }
}

/**
 * The settings of a hub's connection, from a subscriber's: the same connection, raw data,
 * `names`, no completion rule; resuming from `resumeFrom` (a new leader tab), which needs the
 * fetch transport's Last-Event-ID unless EventSource was chosen.
 */
export function hubSettings(settings, names, resumeFrom) {
  const hub = [...settings];
  hub[FLAGS] = (settings[FLAGS] & (WITH_CREDENTIALS | FLUSH_AT_END)) | RAW | HUB;
  hub[NAMES] = names;
  hub[DONE_EVENT] = hub[DONE_DATA] = hub[RELAY] = undefined;
  hub[TAKES_EVENT] = [];
  if (resumeFrom !== undefined) {
    hub[LAST_EVENT_ID] = resumeFrom;
    if (hub[TRANSPORT] === 0) hub[TRANSPORT] = 2;
  }
  return hub;
}
