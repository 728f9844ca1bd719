// Liveness: a stream lives until it ends, whatever references the page keeps. Each case starts
// a stream the way a user does inside a handler or an effect, keeping no reference to the
// service, the subscription or the iterator, then forces garbage collections (`gc()`, exposed
// by Chromium's `--js-flags=--expose-gc`) while 40 messages flow. Run in a window and in a
// dedicated worker by liveness-page/; results as `[{ name, ok, detail }]`.

/** Messages per stream, and the server's pause between two (about a second in all). */
const COUNT = 40;
const DELAY_MS = 25;
/** How often a collection is forced while a stream flows. */
const GC_EVERY_MS = 10;
/** Long enough for a client that closed late, or reconnected, to show at the server. */
const GRACE_MS = 400;
const CASE_TIMEOUT_MS = 8_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything the cases record: only this outlives the function that started the stream. */
function recorder() {
  const log = [];
  return {
    log,
    options: {
      onMessage: (data) => log.push(`message ${data.index}`),
      isFinal: (data) => data.status === 1,
      onComplete: () => log.push("complete"),
      onError: (error) => log.push(`error ${error.kind}: ${error.message}`),
    },
  };
}

const messages = (count) => Array.from({ length: count }, (_, i) => `message ${i}`);

/** Forces collections until `done()` holds (or the case times out). */
async function collectUntil(done) {
  const deadline = Date.now() + CASE_TIMEOUT_MS;
  while (!done()) {
    if (Date.now() > deadline) return;
    globalThis.gc();
    await sleep(GC_EVERY_MS);
  }
  // And a few more: a service collected after its end must not call anything either.
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await sleep(GC_EVERY_MS);
  }
}

function same(got, expected, what) {
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
}

// The three ways to start a stream, each in a function whose locals are gone when it returns.

function connect(SSEService, url, options) {
  new SSEService().connect(url, options);
}

function subscribe(SSEService, url, options) {
  SSEService.subscribe(url, options);
}

/** A `for await` loop over `stream()`, logging as the callbacks do; how the loop ended, last. */
async function stream(SSEService, url, { isFinal, transport }, log) {
  try {
    for await (const data of new SSEService().stream(url, { isFinal, transport })) {
      log.push(`message ${data.index}`);
    }
    log.push("loop returned");
  } catch (error) {
    log.push(`loop threw ${error.kind}: ${error.message}`);
  }
}

/** The cases, for one transport. */
function cases(SSEService, base, transport) {
  const url = (scenario, run, query) =>
    `${base}/sse/${scenario}?run=${run}&count=${COUNT}&delay=${DELAY_MS}${query ?? ""}`;
  const extra = transport === "fetch" ? { transport: "fetch" } : {};
  const complete = async (start, ends) => {
    const run = `live-${Math.random().toString(36).slice(2)}`;
    const { log, options } = recorder();
    start(url("basic", run), { ...options, ...extra }, log);
    await collectUntil(() => log.includes(ends));
    await sleep(GRACE_MS);
    const stats = await (await fetch(`${base}/stats/${run}`)).json();
    return { log, stats };
  };
  const completes = (start, ends) => async () => {
    const { log, stats } = await complete(start, ends);
    same(log, [...messages(COUNT), ends], "every message, then the end, once; no error");
    same([stats.requests, stats.disconnects], [1, 0], "requests, and early client disconnects");
  };
  return [
    [`connect (${transport})`, completes((u, o) => connect(SSEService, u, o), "complete")],
    [`subscribe (${transport})`, completes((u, o) => subscribe(SSEService, u, o), "complete")],
    [`stream (${transport})`, completes((u, o, log) => stream(SSEService, u, o, log), "loop returned")],
    [`stream (${transport}) on a stream the server cuts off for good`, async () => {
      const run = `cut-${Math.random().toString(36).slice(2)}`;
      const { log, options } = recorder();
      stream(SSEService, url("cut-off", run), { ...options, ...extra }, log);
      await collectUntil(() => log.some((e) => e.startsWith("loop")));
      await sleep(GRACE_MS);
      same(log.slice(0, COUNT), messages(COUNT), "every message sent before the cut");
      const end = log.slice(COUNT);
      if (end.length !== 1 || !end[0].startsWith("loop threw failed: ")) {
        throw new Error(`the loop must throw a "failed" SSEError, once; it ended with ${JSON.stringify(end)}`);
      }
      const stats = await (await fetch(`${base}/stats/${run}`)).json();
      same(stats.requests, 2, "requests (the stream, then one refused reconnection)");
    }],
  ];
}

/** Runs every case on both transports, one at a time; returns `[{ name, ok, detail }]`. */
export async function runLiveness(SSEService, base, where) {
  if (typeof globalThis.gc !== "function") {
    return [{ name: `${where}: gc()`, ok: false, detail: "start Chromium with --js-flags=--expose-gc" }];
  }
  const results = [];
  for (const [name, body] of [...cases(SSEService, base, "eventsource"), ...cases(SSEService, base, "fetch")]) {
    try {
      await body();
      results.push({ name: `${where}: ${name}`, ok: true, detail: "" });
    } catch (error) {
      results.push({ name: `${where}: ${name}`, ok: false, detail: String(error?.message ?? error) });
    }
  }
  return results;
}
