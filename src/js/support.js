// The few things the JS face does on the JS side, because they take a few lines here and
// kilobytes of wasm: checking an options object's types, building an SSEError, and making the
// stream() iterator iterable. Everything else is Rust (src/js/*.rs).

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
      return value === "auto" || value === "always" || value === "never";
    case "size":
      return Number.isInteger(value) && value > 0 && value <= 0xffffffff;
    default:
      return typeof value === type;
  }
}

// Throws a TypeError that names the offending option of an SSEConnectOptions object.
export function validate_options(options, forStream) {
  if (options === undefined || options === null) return;
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

// An SSEError: a real Error (with a stack) carrying kind, data and readyState.
export function sse_error(kind, message, data, readyState, status, body) {
  const error = new Error(message);
  error.name = "SSEError";
  error.kind = kind;
  if (data !== undefined) error.data = data;
  error.readyState = readyState;
  if (status !== undefined) error.status = status;
  if (body !== undefined) error.body = body;
  return error;
}

// Gives the iterator's class `[Symbol.asyncIterator]() { return this }`, so `for await` takes it.
export function make_async_iterable(iterator) {
  const proto = Object.getPrototypeOf(iterator);
  if (!proto[Symbol.asyncIterator]) {
    proto[Symbol.asyncIterator] = function () {
      return this;
    };
  }
  return iterator;
}

// SSEService.subscribe's two own options, checked and split off the connect options.
export function subscribe_options(options) {
  if (options === undefined || options === null) return [options, "page", false];
  if (!isObject(options)) fail(`options must be an object, got ${describe(options)}`);
  const { share, replayLast, ...rest } = options;
  if (share !== undefined && share !== "page" && share !== "tabs") {
    fail(`share must be "page" or "tabs", got ${describe(share)}`);
  }
  if (replayLast !== undefined && typeof replayLast !== "boolean") {
    fail(`replayLast must be a boolean, got ${describe(replayLast)}`);
  }
  return [rest, share ?? "page", replayLast ?? false];
}
