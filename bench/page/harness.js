// The benchmark page's harness (driven by bench/run.mjs through `window.bench`).
//
// Every contender runs in this one page against the same server (same origin), one at a time.
// A contender is `async (url, latency) => stats`: it connects to `url`, reads every message
// (`{"i","t","status","pad"}`), checks the order, and stops at the message with status 1; stats
// are `{ count, ms, bytes, outOfOrder, latencies? }` (`ms` from connect to completion;
// `latencies` in µs from the server's stamp to the user's callback, when asked for).
//
// The page counts EventSource objects and their listeners before any contender loads: the
// global `EventSource` becomes a subclass that remembers (weakly) every instance, and
// `EventTarget.prototype.addEventListener/removeEventListener` keep track of what is attached to
// an EventSource.

// ---- instrumentation (must run before any contender is imported) ----

const NativeEventSource = globalThis.EventSource;
/** Every EventSource created, weakly. */
const sources = new Set();
/** EventSource -> Map(type -> Set(listener)): what is attached now. */
const attached = new WeakMap();
const counters = { created: 0, added: 0, removed: 0 };

class CountedEventSource extends NativeEventSource {
  constructor(url, init) {
    super(url, init);
    counters.created += 1;
    sources.add(new WeakRef(this));
  }
}
globalThis.EventSource = CountedEventSource;

const nativeAdd = EventTarget.prototype.addEventListener;
const nativeRemove = EventTarget.prototype.removeEventListener;
EventTarget.prototype.addEventListener = function (type, listener, options) {
  if (this instanceof NativeEventSource && listener) {
    let byType = attached.get(this);
    if (!byType) attached.set(this, (byType = new Map()));
    let set = byType.get(type);
    if (!set) byType.set(type, (set = new Set()));
    if (!set.has(listener)) {
      set.add(listener);
      counters.added += 1;
    }
  }
  return nativeAdd.call(this, type, listener, options);
};
EventTarget.prototype.removeEventListener = function (type, listener, options) {
  if (this instanceof NativeEventSource) {
    const set = attached.get(this)?.get(type);
    if (set?.delete(listener)) counters.removed += 1;
  }
  return nativeRemove.call(this, type, listener, options);
};

/** Weak references to the `SSEService` objects the page does not keep (the `js-unreferenced` cycles). */
const services = new Set();

/** What the page holds now: EventSources not yet garbage-collected, open ones, listeners, services. */
function census() {
  let servicesAlive = 0;
  for (const ref of services) {
    if (ref.deref()) servicesAlive += 1;
    else services.delete(ref);
  }
  let alive = 0;
  let open = 0;
  let listenersOnAlive = 0;
  for (const ref of sources) {
    const source = ref.deref();
    if (!source) {
      sources.delete(ref);
      continue;
    }
    alive += 1;
    if (source.readyState !== 2) open += 1;
    for (const set of attached.get(source)?.values() ?? []) listenersOnAlive += set.size;
  }
  return {
    created: counters.created,
    alive,
    open,
    servicesAlive,
    listenersAttached: counters.added - counters.removed,
    listenersOnAlive,
  };
}

// ---- shared helpers ----

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const timeOrigin = performance.timeOrigin;
/** The server's clock: UNIX time in µs. */
const nowMicros = () => (timeOrigin + performance.now()) * 1000;

/** Forced garbage collection (Chromium with --js-flags=--expose-gc), a few times with pauses so
 * finalizers and closed connections settle. */
async function collect() {
  if (typeof globalThis.gc !== "function") throw new Error("gc() is not exposed (--js-flags=--expose-gc)");
  for (let round = 0; round < 4; round += 1) {
    await sleep(30);
    globalThis.gc();
  }
  await sleep(30);
}

/** Bookkeeping of one run, the same for every JS contender (the Rust ones mirror it). */
class Run {
  constructor(latency) {
    this.latency = latency;
    this.latencies = latency ? [] : undefined;
    this.start = performance.now();
    this.end = 0;
    this.count = 0;
    this.next = 0;
    this.outOfOrder = 0;
    this.bytes = 0;
  }

  record(i, t, pad) {
    if (this.latency) this.latencies.push(nowMicros() - t);
    if (i !== this.next) this.outOfOrder += 1;
    this.next = i + 1;
    this.count += 1;
    this.bytes += pad;
  }

  finish() {
    this.end = performance.now();
  }

  stats() {
    const { count, bytes, outOfOrder, latencies } = this;
    return { count, ms: this.end - this.start, bytes, outOfOrder, latencies };
  }
}

// ---- the contenders ----

/** Plain EventSource + JSON.parse + a hand-written completion check: the floor. */
function raw(url, latency) {
  return new Promise((resolve, reject) => {
    const run = new Run(latency);
    const source = new EventSource(url);
    source.onmessage = (event) => {
      const data = JSON.parse(event.data);
      run.record(data.i, data.t, data.pad.length);
      if (data.status === 1) {
        run.finish();
        source.close();
        resolve(run.stats());
      }
    };
    source.onerror = () => {
      source.close();
      reject(new Error(`raw: error event (readyState ${source.readyState})`));
    };
  });
}

/** wasm-sse's JS API (`SSEService` from the npm package), on `transport` (`undefined`: the
 * default, EventSource in a page). */
function jsApi(SSEService, transport) {
  return (url, latency) => {
    const sse = new SSEService();
    return new Promise((resolve, reject) => {
      const run = new Run(latency);
      sse.connect(url, {
        transport,
        onMessage: (data) => run.record(data.i, data.t, data.pad.length),
        isFinal: (data) => data.status === 1,
        onComplete: () => {
          run.finish();
          resolve(run.stats());
        },
        onError: (error) => reject(error),
      });
    }).finally(() => sse.free());
  };
}

/** reconnecting-eventsource: an EventSource wrapper that reconnects. */
function reconnecting(ReconnectingEventSource) {
  return (url, latency) =>
    new Promise((resolve, reject) => {
      const run = new Run(latency);
      const source = new ReconnectingEventSource(url, { max_retry_time: 3000 });
      source.onmessage = (event) => {
        const data = JSON.parse(event.data);
        run.record(data.i, data.t, data.pad.length);
        if (data.status === 1) {
          run.finish();
          source.close();
          resolve(run.stats());
        }
      };
      source.onerror = () => {
        source.close();
        reject(new Error("reconnecting-eventsource: error event"));
      };
    });
}

/** @microsoft/fetch-event-source: fetch + a streaming parser in JS. */
function fetchSource(fetchEventSource) {
  return (url, latency) =>
    new Promise((resolve, reject) => {
      const run = new Run(latency);
      const abort = new AbortController();
      fetchEventSource(url, {
        signal: abort.signal,
        openWhenHidden: true,
        onmessage(event) {
          const data = JSON.parse(event.data);
          run.record(data.i, data.t, data.pad.length);
          if (data.status === 1) {
            run.finish();
            abort.abort();
            resolve(run.stats());
          }
        },
        onclose() {
          reject(new Error("fetch-event-source: closed before the final message"));
        },
        onerror(error) {
          reject(error);
          throw error; // no retry
        },
      }).catch(reject);
    });
}

/** The `eventsource` npm package: a fetch-based `EventSource` (its own class, not the page's). */
function eventsourcePeer(EventSourceClass) {
  return (url, latency) =>
    new Promise((resolve, reject) => {
      const run = new Run(latency);
      const source = new EventSourceClass(new URL(url, location.href).href);
      source.onmessage = (event) => {
        const data = JSON.parse(event.data);
        run.record(data.i, data.t, data.pad.length);
        if (data.status === 1) {
          run.finish();
          source.close();
          resolve(run.stats());
        }
      };
      source.onerror = (error) => {
        source.close();
        reject(new Error(`eventsource: error event ${error?.message ?? ""}`));
      };
    });
}

/** Reads a fetch-based event iterator (`next()` resolving to `{ done, value: { data } }`) to
 * the message with status 1, then aborts the request. */
async function readEvents(run, next, abort) {
  for (;;) {
    const { done, value } = await next();
    if (done) throw new Error("the stream ended before the final message");
    if (value.event !== undefined && value.event !== "message") continue;
    const data = JSON.parse(value.data);
    run.record(data.i, data.t, data.pad.length);
    if (data.status === 1) {
      run.finish();
      abort.abort();
      return run.stats();
    }
  }
}

/** eventsource-parser's `EventSourceParserStream` over `fetch` + `TextDecoderStream`. */
function parserPeer(EventSourceParserStream) {
  return async (url, latency) => {
    const run = new Run(latency);
    const abort = new AbortController();
    const response = await fetch(url, { signal: abort.signal, headers: { accept: "text/event-stream" } });
    const reader = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    return readEvents(run, () => reader.read(), abort);
  };
}

/** fetch-event-stream's `stream(url)`: an async iterator of parsed events. */
function fetchEventStreamPeer(stream) {
  return async (url, latency) => {
    const run = new Run(latency);
    const abort = new AbortController();
    const events = await stream(url, { signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    return readEvents(run, () => iterator.next(), abort);
  };
}

// ---- the POST chat workload's contenders ----
//
// A chat contender is `async (url, body) => { count, ms, answer }`: it POSTs `body` (JSON) with
// CHAT_HEADERS to `url` (`/bench/chat`), appends each chunk's `choices[0].delta.content` to
// the answer, and stops at `data: [DONE]`; `count` is the chunks that carried content, `ms`
// the time from the request to `[DONE]`.

const CHAT_HEADERS = { Authorization: "Bearer bench-token", "Content-Type": "application/json" };

/** Bookkeeping of one chat run, the same for every JS chat contender (the Rust ones mirror it). */
class ChatRun {
  constructor() {
    this.start = performance.now();
    this.end = 0;
    this.count = 0;
    this.answer = "";
  }

  add(chunk) {
    const content = chunk.choices[0].delta.content;
    if (content !== undefined) {
      this.answer += content;
      this.count += 1;
    }
  }

  finish() {
    this.end = performance.now();
    return { count: this.count, ms: this.end - this.start, answer: this.answer };
  }
}

/** The JS API on the fetch transport: `POST`, headers, body, `doneData: "[DONE]"`. */
function jsChat(SSEService) {
  return (url, body) => {
    const sse = new SSEService();
    return new Promise((resolve, reject) => {
      const run = new ChatRun();
      sse.connect(url, {
        transport: "fetch",
        method: "POST",
        headers: CHAT_HEADERS,
        body,
        doneData: "[DONE]",
        onMessage: (chunk) => run.add(chunk),
        onComplete: () => resolve(run.finish()),
        onError: (error) => reject(error),
      });
    }).finally(() => sse.free());
  };
}

function fetchSourceChat(fetchEventSource) {
  return (url, body) =>
    new Promise((resolve, reject) => {
      const run = new ChatRun();
      const abort = new AbortController();
      fetchEventSource(url, {
        method: "POST",
        headers: CHAT_HEADERS,
        body,
        signal: abort.signal,
        openWhenHidden: true,
        onmessage(event) {
          if (event.data === "[DONE]") {
            abort.abort();
            resolve(run.finish());
          } else {
            run.add(JSON.parse(event.data));
          }
        },
        onclose() {
          reject(new Error("fetch-event-source: closed before [DONE]"));
        },
        onerror(error) {
          reject(error);
          throw error; // no retry
        },
      }).catch(reject);
    });
}

/** The `eventsource` npm package POSTs through its `fetch` option (its own request init, with
 * the method, body and headers added). */
function eventsourceChat(EventSourceClass) {
  return (url, body) =>
    new Promise((resolve, reject) => {
      const run = new ChatRun();
      const source = new EventSourceClass(new URL(url, location.href).href, {
        fetch: (input, init) =>
          fetch(input, { ...init, method: "POST", body, headers: { ...init.headers, ...CHAT_HEADERS } }),
      });
      source.onmessage = (event) => {
        if (event.data === "[DONE]") {
          source.close();
          resolve(run.finish());
        } else {
          run.add(JSON.parse(event.data));
        }
      };
      source.onerror = (error) => {
        source.close();
        reject(new Error(`eventsource: error event ${error?.message ?? ""}`));
      };
    });
}

/** Reads a fetch-based event iterator to `[DONE]`, then aborts the request. */
async function readChat(run, next, abort) {
  for (;;) {
    const { done, value } = await next();
    if (done) throw new Error("the stream ended before [DONE]");
    if (value.data === "[DONE]") {
      abort.abort();
      return run.finish();
    }
    run.add(JSON.parse(value.data));
  }
}

function parserChat(EventSourceParserStream) {
  return async (url, body) => {
    const run = new ChatRun();
    const abort = new AbortController();
    const init = { method: "POST", headers: CHAT_HEADERS, body, signal: abort.signal };
    const response = await fetch(url, init);
    if (!response.ok) throw new Error(`eventsource-parser chat: HTTP ${response.status}`);
    const reader = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    return readChat(run, () => reader.read(), abort);
  };
}

function fetchEventStreamChat(stream) {
  return async (url, body) => {
    const run = new ChatRun();
    const abort = new AbortController();
    const events = await stream(url, { method: "POST", headers: CHAT_HEADERS, body, signal: abort.signal });
    const iterator = events[Symbol.asyncIterator]();
    return readChat(run, () => iterator.next(), abort);
  };
}

// ---- loading ----

const status = document.getElementById("status");

// index.js instantiates the embedded wasm before it resolves; its glue then hands back the
// instance's exports (for the memory figure) without instantiating again.
const [pkg, pkgGlue, pkgNamed, rust, peerReconnecting, peerFetch, peerEventsource, peerParser, peerStream] = await Promise.all([
  import("/wasm-sse/index.js"),
  import("/wasm-sse/wasm_sse.js"),
  import("/wasm-sse-named/index.js"),
  import("/rust/wasm_sse_bench.js"),
  import("/peers/reconnecting-eventsource.js"),
  import("/peers/fetch-event-source.js"),
  import("/peers/eventsource.js"),
  import("/peers/eventsource-parser.js"),
  import("/peers/fetch-event-stream.js"),
]);
const [pkgWasm, , rustWasm] = await Promise.all([pkgGlue.default(), pkgNamed.default(), rust.default()]);
// The smoke run profiles nothing: this is where it notices a package without its JS API.
for (const [path, module] of [["wasm-sse", pkg], ["wasm-sse-named", pkgNamed]]) {
  if (typeof module.SSEService !== "function") throw new Error(`/${path}/index.js exports no SSEService`);
}

/** name -> contender. The extras (not in the tables, only profiled): `js-named` is the JS API
 * built with function names. */
const contenders = {
  raw,
  js: jsApi(pkg.SSEService),
  "rust-typed": (url, latency) => rust.run_typed(url, latency, false),
  "rust-untyped": (url, latency) => rust.run_untyped(url, latency, false),
  gloo: (url, latency) => rust.run_gloo(url, latency),
  "reconnecting-eventsource": reconnecting(peerReconnecting.default),
  "js-fetch": jsApi(pkg.SSEService, "fetch"),
  "rust-typed-fetch": (url, latency) => rust.run_typed(url, latency, true),
  "rust-untyped-fetch": (url, latency) => rust.run_untyped(url, latency, true),
  "fetch-event-source": fetchSource(peerFetch.fetchEventSource),
  eventsource: eventsourcePeer(peerEventsource.EventSource),
  "eventsource-parser": parserPeer(peerParser.EventSourceParserStream),
  "fetch-event-stream": fetchEventStreamPeer(peerStream.stream),
  "js-named": jsApi(pkgNamed.SSEService),
  "js-named-fetch": jsApi(pkgNamed.SSEService, "fetch"),
};
const EXTRAS = ["js-named", "js-named-fetch"];

/** name -> chat contender: the ones that can POST (the fetch-based ones). */
const chatContenders = {
  "js-fetch": jsChat(pkg.SSEService),
  "rust-typed-fetch": (url, body) => rust.run_chat_typed(url, body),
  "rust-untyped-fetch": (url, body) => rust.run_chat_untyped(url, body),
  "fetch-event-source": fetchSourceChat(peerFetch.fetchEventSource),
  eventsource: eventsourceChat(peerEventsource.EventSource),
  "eventsource-parser": parserChat(peerParser.EventSourceParserStream),
  "fetch-event-stream": fetchEventStreamChat(peerStream.stream),
};

function contender(name) {
  const run = contenders[name];
  if (!run) throw new Error(`unknown contender ${name}`);
  return run;
}

/** Runs `promise` against a time limit. */
async function limited(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no completion within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

let runs = 0;

// ---- the measures ----

/** One throughput run: `count` messages of `bytes` bytes, as fast as the server writes them.
 * (The driver calls `collect()` first, separately, so it can read the page's CPU counters
 * between the two.) */
async function throughput(name, count, bytes, limitMs = 120_000) {
  const url = `/bench/stream?count=${count}&bytes=${bytes}&run=${name}-${(runs += 1)}`;
  const stats = await limited(contender(name)(url, false), limitMs, `${name} throughput`);
  const { latencies, ...rest } = stats;
  return { ...rest, rate: stats.count / (stats.ms / 1000) };
}

/** One run of a single `bytes`-byte event, sent in `chunk`-byte pieces. */
async function huge(name, bytes, chunk, limitMs = 300_000) {
  const url = `/bench/huge?bytes=${bytes}&chunk=${chunk}&run=${name}-${(runs += 1)}`;
  const stats = await limited(contender(name)(url, false), limitMs, `${name} huge event`);
  const { latencies, ...rest } = stats;
  return { ...rest, rate: bytes / 1024 / 1024 / (stats.ms / 1000) };
}

/** One latency run: `count` messages `interval` ms apart; percentiles in ms. */
async function latency(name, count, interval, limitMs = 120_000) {
  const url = `/bench/trickle?count=${count}&interval=${interval}&bytes=100&run=${name}-${(runs += 1)}`;
  const stats = await limited(contender(name)(url, true), limitMs, `${name} latency`);
  const sorted = Float64Array.from(stats.latencies).sort();
  const ms = (micros) => micros / 1000;
  return {
    count: stats.count,
    outOfOrder: stats.outOfOrder,
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    max: ms(sorted[sorted.length - 1]),
    mean: ms(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** The answer of a chat stream of `tokens` tokens: `w0 w1 … w<tokens-1> `. */
const answers = new Map();
function expectedAnswer(tokens) {
  if (!answers.has(tokens)) {
    let answer = "";
    for (let k = 0; k < tokens; k += 1) answer += `w${k} `;
    answers.set(tokens, answer);
  }
  return answers.get(tokens);
}

/** One POST chat run: `tokens` OpenAI-format chunks, then `[DONE]`. `outOfOrder` is 1 when
 * the answer is not exactly the one sent (a chunk lost, repeated or out of place). */
async function chat(name, tokens, limitMs = 120_000) {
  const run = chatContenders[name];
  if (!run) throw new Error(`unknown chat contender ${name}`);
  const url = `/bench/chat?tokens=${tokens}&run=chat-${name}-${(runs += 1)}`;
  const body = JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: "Count." }] });
  const { answer, ...stats } = await limited(run(url, body), limitMs, `${name} chat`);
  const outOfOrder = answer === expectedAnswer(tokens) ? 0 : 1;
  return { ...stats, outOfOrder, rate: stats.count / (stats.ms / 1000) };
}

/** One connect / first message / close cycle with a plain EventSource. */
function rawCycle(url) {
  return new Promise((resolve, reject) => {
    const source = new EventSource(url);
    source.onmessage = () => {
      source.close();
      resolve();
    };
    source.onerror = () => {
      source.close();
      reject(new Error("raw cycle: error event"));
    };
  });
}

/** One `SSEService` created, connected until its first message, disconnected and freed. */
async function jsObject(url, transport) {
  const sse = new pkg.SSEService();
  try {
    await new Promise((resolve, reject) => {
      sse.connect(url, { transport, onMessage: () => resolve(), onError: (error) => reject(error) });
    });
    sse.disconnect();
  } finally {
    sse.free();
  }
}

/**
 * One `SSEService` the page never keeps: created and connected in a call that returns at once,
 * it ends by itself (its first message is final). Only a `WeakRef` follows it, for the census.
 */
function unreferenced(url) {
  return new Promise((resolve, reject) => {
    const sse = new pkg.SSEService();
    services.add(new WeakRef(sse));
    sse.connect(url, { json: false, isFinal: () => true, onComplete: resolve, onError: reject });
  });
}

const cycleKinds = {
  // `n` connect/disconnect cycles of one Rust `SseService`, in its own wasm module.
  rust: {
    memory: () => rustWasm.memory.buffer.byteLength,
    cycles: (url, n) => rust.cycles(url, n, false),
  },
  // The same on the fetch transport.
  "rust-fetch": {
    memory: () => rustWasm.memory.buffer.byteLength,
    cycles: (url, n) => rust.cycles(url, n, true),
  },
  "js-fetch": {
    memory: () => pkgWasm.memory.buffer.byteLength,
    cycles: async (url, n) => {
      for (let k = 0; k < n; k += 1) await jsObject(`${url}&cycle=${k}`, "fetch");
      return n;
    },
  },
  // `n` JS `SSEService` objects, each created, used and freed, in the npm package's module.
  js: {
    memory: () => pkgWasm.memory.buffer.byteLength,
    cycles: async (url, n) => {
      for (let k = 0; k < n; k += 1) await jsObject(`${url}&cycle=${k}`);
      return n;
    },
  },
  // `n` JS `SSEService` objects the page never references, each ending by itself.
  "js-unreferenced": {
    memory: () => pkgWasm.memory.buffer.byteLength,
    cycles: async (url, n) => {
      for (let k = 0; k < n; k += 1) await unreferenced(`${url}&cycle=${k}`);
      return n;
    },
  },
  // The same cycles with plain EventSource objects: the browser's own share of the growth.
  raw: {
    memory: () => 0,
    cycles: async (url, n) => {
      for (let k = 0; k < n; k += 1) await rawCycle(`${url}&cycle=${k}`);
      return n;
    },
  },
};

async function snapshot(kind) {
  await collect();
  // The census drops the page's own records of collected EventSources; collect again so they
  // do not count as the contender's heap.
  const counts = census();
  await collect();
  return {
    wasm: cycleKinds[kind].memory(),
    heap: performance.memory.usedJSHeapSize,
    ...counts,
  };
}

/** Memory growth over `n` cycles, after `warm` warm-up cycles; the census after a forced GC. */
async function memory(kind, n, warm, limitMs = 300_000) {
  const { cycles } = cycleKinds[kind];
  const url = `/bench/hold?bytes=100&run=memory-${kind}-${(runs += 1)}`;
  if (warm > 0) await limited(cycles(url, warm), limitMs, `${kind} warm-up cycles`);
  const before = await snapshot(kind);
  const started = performance.now();
  const done = await limited(cycles(url, n), limitMs, `${kind} cycles`);
  const ms = performance.now() - started;
  const after = await snapshot(kind);
  return {
    cycles: done,
    ms,
    wasmGrowth: after.wasm - before.wasm,
    heapGrowth: after.heap - before.heap,
    wasmAfter: after.wasm,
    heapAfter: after.heap,
    sourcesCreated: after.created - before.created,
    sourcesAlive: after.alive,
    sourcesOpen: after.open,
    listenersAttached: after.listenersAttached - before.listenersAttached,
    listenersOnAliveSources: after.listenersOnAlive,
    servicesAlive: after.servicesAlive,
  };
}

globalThis.bench = {
  names: Object.keys(contenders).filter((name) => !EXTRAS.includes(name)),
  chatNames: Object.keys(chatContenders),
  collect,
  throughput,
  chat,
  huge,
  latency,
  memory,
  info: () => ({
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    preciseMemory: typeof performance.memory?.usedJSHeapSize === "number",
    gc: typeof globalThis.gc === "function",
  }),
};
status.textContent = "ready";
