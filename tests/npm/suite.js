// The behaviour suite of the npm package, run in a browser by both consumer pages (the
// no-bundler page and the Vite app). Each case records an ordered log of the callbacks that
// fired, like tests/browser.rs, and compares it, the service's state and what the test
// server saw (/stats/<run>) with exact expectations.

/** Long enough for a browser that failed to close to come back (the scenarios send `retry: 100`). */
const GRACE_MS = 400;
/** Per-case limit, so one hung case cannot stall the suite. */
const CASE_TIMEOUT_MS = 20_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(what, expected, got) {
  throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
}

function eq(got, expected, what) {
  if (JSON.stringify(got) !== JSON.stringify(expected)) fail(what, expected, got);
}

function ok(condition, what) {
  if (!condition) throw new Error(what);
}

async function waitUntil(what, done, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Whatever `fn` throws (it must throw). */
function thrown(fn, what) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error(`${what}: nothing was thrown`);
}

/** Checks an `SSEError` as the issue defines it; returns its log entry. */
function errorEntry(error) {
  ok(error instanceof Error, `SSEError is an Error: ${error}`);
  eq(error.name, "SSEError", "error.name");
  ok(typeof error.message === "string" && error.message.length > 0, "error.message is set");
  if (error.kind === "failed") {
    eq(error.readyState, 2, "a failed error's readyState");
    eq(error.data, undefined, "a failed error's data");
    return "error failed";
  }
  eq(error.kind, "parse", "error.kind");
  eq(error.readyState, 1, "a parse error's readyState (data only arrives while open)");
  return `error parse ${error.data}`;
}

/** Options that log every callback in order; completion on `status === 1`. */
function recorder() {
  const log = [];
  const problems = [];
  // Handlers get the raw MessageEvent of the type they listen to.
  const entry = (name) => (data, event) => {
    if (!(event instanceof MessageEvent) || event.type !== name) {
      problems.push(`${name} handler got ${event?.constructor?.name} of type ${event?.type}`);
    }
    log.push(`${name} ${data.index} ${data.text}`);
  };
  const options = {
    onOpen: () => log.push("open"),
    onMessage: entry("message"),
    onComplete: () => log.push("complete"),
    onError: (error) => {
      try {
        log.push(errorEntry(error));
      } catch (problem) {
        problems.push(problem.message);
      }
    },
    onReconnecting: (info) => log.push(`reconnecting ${info.attempt} ${info.lastEventId}`),
    isFinal: (data) => data.status === 1,
  };
  const check = (expected) => {
    eq(log, expected, "callback log");
    eq(problems, [], "problems seen in callbacks");
  };
  return { log, problems, options, entry, check };
}

/** What each case gets: URLs of the server, its stats, and services that are cleaned up after. */
function context(SSEService, base) {
  const services = [];
  const subscriptions = [];
  const url = (scenario, run, query = "", origin = base) =>
    `${origin}/sse/${scenario}?run=${run}${query ? `&${query}` : ""}`;
  const stats = async (run) => {
    const response = await fetch(`${base}/stats/${encodeURIComponent(run)}`, { cache: "no-store" });
    return response.json();
  };
  return {
    url,
    stats,
    run: (name) => `${name}-${Math.random().toString(36).slice(2)}`,
    service() {
      const sse = new SSEService();
      services.push(sse);
      return sse;
    },
    subscribe(url, options) {
      const subscription = SSEService.subscribe(url, options);
      subscriptions.push(subscription);
      return subscription;
    },
    /** Polls the server's stats (at most 3 s) until `done` holds; returns them. */
    async waitForStats(run, what, done) {
      for (let i = 0; i < 100; i++) {
        const seen = await stats(run);
        if (done(seen)) return seen;
        await sleep(30);
      }
      throw new Error(`the server never saw ${what}: ${JSON.stringify(await stats(run))}`);
    },
    /** The same server under its other loopback name, for a cross-origin request. */
    otherOrigin() {
      const other = new URL(base);
      other.hostname = other.hostname === "localhost" ? "127.0.0.1" : "localhost";
      return other.origin;
    },
    cleanUp() {
      // free() and unsubscribe() are no-ops on what a case freed already.
      for (const sse of services) sse.free();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

/**
 * Connects with a recorder, waits for `until` in the log, then the grace period. `extra`
 * overrides options; as a function it gets the recorder, to log into the same log.
 */
async function recorded(t, scenario, query, extra = {}, until = "complete") {
  const run = t.run(scenario.replace("/", "-"));
  const rec = recorder();
  Object.assign(rec.options, typeof extra === "function" ? extra(rec) : extra);
  const sse = t.service();
  sse.connect(t.url(scenario, run, query), rec.options);
  await waitUntil(`"${until}" in ${JSON.stringify(rec.log)}`, () =>
    rec.log.some((e) => e.startsWith(until)),
  );
  await sleep(GRACE_MS);
  return { run, rec, sse };
}

const HELLO_WORLD = ["message 0 Hello", "message 1 ,", "message 2  world", "message 3 !"];

/** A normal completion: closed by the client, one request, no error. */
async function completed(t, { run, sse }, lastEventId) {
  eq(sse.readyState, 2, "readyState after completion");
  eq(sse.isClosing, true, "isClosing after completion");
  eq(sse.lastEventId, lastEventId, "lastEventId");
  eq((await t.stats(run)).requests, 1, "requests (completion must close before a reconnect)");
}

/** A fatal failure: one "failed" error, no open, no retry. */
async function fatal(t, scenario, origin) {
  const run = t.run(scenario.replace("/", "-"));
  const rec = recorder();
  const sse = t.service();
  sse.connect(t.url(scenario, run, "", origin), rec.options);
  await waitUntil("an error", () => rec.log.length > 0);
  await sleep(GRACE_MS);
  rec.check(["error failed"]);
  eq(sse.readyState, 2, "readyState after a failure");
  eq(sse.isClosing, false, "isClosing (a failure is not a closing the client began)");
  eq((await t.stats(run)).requests, 1, "requests (no retry)");
}

/** Runs a `for await` loop over `iterable`; returns the items and what it threw, if anything. */
async function drain(iterable, { limit = Infinity, each = () => {} } = {}) {
  const items = [];
  let error;
  try {
    for await (const data of iterable) {
      items.push(typeof data === "object" ? `${data.index} ${data.text}` : data);
      each(items);
      if (items.length >= limit) break;
    }
  } catch (e) {
    error = e;
  }
  return { items, error };
}

const cases = [
  ["before the first connect: readyState 2, lastEventId \"\", isClosing false", (t) => {
    const sse = t.service();
    eq(sse.readyState, 2, "readyState");
    eq(sse.lastEventId, "", "lastEventId");
    eq(sse.isClosing, false, "isClosing");
  }],

  ["isFinal: the final message is delivered, then a normal completion with one request", async (t) => {
    const run = t.run("basic");
    const rec = recorder();
    const sse = t.service();
    sse.connect(t.url("basic", run), rec.options);
    eq(sse.readyState, 0, "readyState right after connect");
    eq(sse.isClosing, false, "isClosing right after connect");
    await waitUntil("complete", () => rec.log.includes("complete"));
    await sleep(GRACE_MS);
    rec.check(["open", ...HELLO_WORLD, "complete"]);
    await completed(t, { run, sse }, "4");
  }],

  ["readyState is 1, isClosing false and lastEventId current while the stream is open", async (t) => {
    const run = t.run("trickle");
    const rec = recorder();
    const sse = t.service();
    // Read inside the callbacks: each message's state, whatever the timing.
    const onMessage = rec.options.onMessage;
    rec.options.onMessage = (data, event) => {
      onMessage(data, event);
      rec.log.push(`state ${sse.readyState} ${sse.isClosing} ${sse.lastEventId}`);
    };
    rec.options.onOpen = () => rec.log.push(`open ${sse.readyState}`);
    sse.connect(t.url("trickle", run, "count=3&interval=60"), rec.options);
    await waitUntil("complete", () => rec.log.includes("complete"));
    rec.check([
      "open 1",
      "message 0 Hello", "state 1 false 1",
      "message 1 ,", "state 1 false 2",
      "message 2  world", "state 1 false 3",
      "complete",
    ]);
  }],

  ["doneEvent with an events[doneEvent] handler: its data is delivered, then completion", async (t) => {
    const result = await recorded(t, "named", "", (rec) => ({
      events: {
        token: rec.entry("token"),
        done: (data, event) => rec.log.push(`done ${data.reason} (${event.type})`),
      },
      doneEvent: "done",
    }));
    result.rec.check(["open", "token 0 Hello", "token 1 ,", "token 2  world", "done stop (done)", "complete"]);
    await completed(t, result, "4");
  }],

  ["doneEvent without a handler completes all the same", async (t) => {
    const result = await recorded(t, "named", "count=2", (rec) => ({
      events: { token: rec.entry("token") },
      doneEvent: "done",
    }));
    result.rec.check(["open", "token 0 Hello", "token 1 ,", "complete"]);
    await completed(t, result, "3");
  }],

  ["doneData: the sentinel is neither delivered nor parsed; one request", async (t) => {
    const result = await recorded(t, "sentinel", "", { doneData: "[DONE]" });
    result.rec.check(["open", ...HELLO_WORLD.slice(0, 3), "complete"]);
    await completed(t, result, "3");
  }],

  ["a transient loss: onReconnecting, then messages continue from Last-Event-ID without loss or repeat", async (t) => {
    // mode=end: the first response ends cleanly after 3 messages, without a completion marker.
    const { run, rec, sse } = await recorded(t, "resume", "mode=end");
    rec.check([
      "open", ...HELLO_WORLD.slice(0, 3),
      "reconnecting 1 3",
      "open", "message 3 !", "message 4  How", "message 5  are",
      "complete",
    ]);
    eq(sse.readyState, 2, "readyState");
    eq(sse.lastEventId, "6", "lastEventId");
    const seen = await t.stats(run);
    eq(seen.requests, 2, "requests");
    eq(seen.last_event_ids, ["", "3"], "Last-Event-ID headers the server saw");
  }],

  ["HTTP 500 is a fatal failure: one onError \"failed\", no retry", (t) => fatal(t, "status/500")],
  ["HTTP 404 is a fatal failure: one onError \"failed\", no retry", (t) => fatal(t, "status/404")],
  ["HTTP 204 is a fatal failure: one onError \"failed\", no retry", (t) => fatal(t, "status/204")],
  ["a wrong content type is a fatal failure", (t) => fatal(t, "wrong-type")],
  ["a CORS refusal is a fatal failure", (t) => fatal(t, "no-cors", t.otherOrigin())],

  ["maxReconnectAttempts: 2 gives up with \"failed\" after two retries without progress", async (t) => {
    const { run, rec, sse } = await recorded(t, "flaky", "", { maxReconnectAttempts: 2 }, "error");
    rec.check([
      "open", "message 0 Hello",
      "reconnecting 1 1", "open",
      "reconnecting 2 1", "open",
      "error failed",
    ]);
    eq(sse.readyState, 2, "readyState");
    eq((await t.stats(run)).requests, 3, "requests");
  }],

  ["maxReconnectAttempts: 0 never reconnects", async (t) => {
    const { run, rec, sse } = await recorded(t, "flaky", "", { maxReconnectAttempts: 0 }, "error");
    rec.check(["open", "message 0 Hello", "error failed"]);
    eq(sse.readyState, 2, "readyState");
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["invalid JSON: onError \"parse\" with the raw data, later messages still delivered", async (t) => {
    const result = await recorded(t, "invalid-json", "");
    result.rec.check(["open", "message 0 Hello", "error parse not json{", "message 1 ,", "complete"]);
    await completed(t, result, "3");
  }],

  ["json: false hands over the raw strings (isFinal too)", async (t) => {
    const result = await recorded(t, "basic", "count=2", (rec) => {
      const raw = (what) => (data) => rec.log.push(`${what} ${typeof data} ${data}`);
      return {
        json: false,
        onMessage: raw("message"),
        isFinal: (data) => {
          raw("isFinal")(data);
          return JSON.parse(data).status === 1;
        },
      };
    });
    result.rec.check([
      "open",
      'isFinal string {"index":0,"text":"Hello","status":0}',
      'message string {"index":0,"text":"Hello","status":0}',
      'isFinal string {"index":1,"text":",","status":1}',
      'message string {"index":1,"text":",","status":1}',
      "complete",
    ]);
    await completed(t, result, "2");
  }],

  ["a throwing onMessage does not stop later events", async (t) => {
    const result = await recorded(t, "basic", "", (rec) => ({
      onMessage: (data, event) => {
        if (data.index === 1) throw new Error("a deliberate error in a user callback");
        rec.entry("message")(data, event);
      },
    }));
    result.rec.check(["open", "message 0 Hello", "message 2  world", "message 3 !", "complete"]);
    await completed(t, result, "4");
  }],

  ["withCredentials reaches the EventSource (default false)", async (t) => {
    for (const [withCredentials, expected] of [[true, true], [undefined, false]]) {
      const seen = [];
      const result = await recorded(t, "basic", "count=1", {
        withCredentials,
        onMessage: (data, event) => seen.push(event.target instanceof EventSource && event.target.withCredentials),
      });
      eq(seen, [expected], `EventSource.withCredentials with withCredentials: ${withCredentials}`);
      result.rec.check(["open", "complete"]);
    }
  }],

  ["disconnect(): idempotent, never onError, readyState 2, the server sees the client go", async (t) => {
    const run = t.run("disconnect");
    const rec = recorder();
    const sse = t.service();
    sse.connect(t.url("endless", run), rec.options);
    await waitUntil("message 1", () => rec.log.includes("message 1 ,"));
    sse.disconnect();
    eq(sse.isClosing, true, "isClosing after disconnect");
    eq(sse.readyState, 2, "readyState after disconnect");
    const seen = rec.log.length;
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
    sse.disconnect();
    await sleep(200);
    eq(rec.log.length, seen, `no callback after disconnect (${JSON.stringify(rec.log)})`);
    eq(rec.log.slice(0, 3), ["open", "message 0 Hello", "message 1 ,"], "log before disconnect");
    eq(rec.problems, [], "problems");
    eq(sse.readyState, 2, "readyState after a second disconnect");
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["connect() again closes the previous connection", async (t) => {
    const [first, second] = [t.run("first"), t.run("second")];
    const [recFirst, recSecond] = [recorder(), recorder()];
    const sse = t.service();
    sse.connect(t.url("endless", first), recFirst.options);
    await waitUntil("message 0", () => recFirst.log.includes("message 0 Hello"));
    sse.connect(t.url("basic", second), recSecond.options);
    const seen = recFirst.log.length;
    await t.waitForStats(first, "the first client go away", (s) => s.disconnects === 1);
    await waitUntil("complete", () => recSecond.log.includes("complete"));
    await sleep(GRACE_MS);
    eq(recFirst.log.length, seen, `the first connection is silent (${JSON.stringify(recFirst.log)})`);
    recSecond.check(["open", ...HELLO_WORLD, "complete"]);
    eq(sse.readyState, 2, "readyState");
    eq((await t.stats(first)).requests, 1, "requests of the first run");
    eq((await t.stats(second)).requests, 1, "requests of the second run");
  }],

  ["an invalid URL throws a SyntaxError", (t) => {
    const sse = t.service();
    const error = thrown(() => sse.connect("http://[::1", {}), "connect");
    ok(error instanceof SyntaxError, `connect threw ${error}`);
    const streamError = thrown(() => sse.stream("http://[::1"), "stream");
    ok(streamError instanceof SyntaxError, `stream threw ${streamError}`);
    eq(sse.readyState, 2, "readyState");
  }],

  ["unknown options and wrong types throw a TypeError naming the option, and nothing connects", async (t) => {
    const run = t.run("options");
    const bad = [
      [{ onMesage: () => {} }, "onMesage"],
      [{ onMessage: 5 }, "onMessage"],
      [{ json: "yes" }, "json"],
      [{ events: { x: 1 } }, "events"],
      [{ events: { x: 1 } }, "x"],
      [{ maxReconnectAttempts: -1 }, "maxReconnectAttempts"],
      [{ maxReconnectAttempts: 1.5 }, "maxReconnectAttempts"],
      [{ withCredentials: 1 }, "withCredentials"],
      [{ doneEvent: 7 }, "doneEvent"],
      [{ isFinal: true }, "isFinal"],
    ];
    const sse = t.service();
    for (const [options, name] of bad) {
      for (const method of ["connect", "stream"]) {
        const error = thrown(() => sse[method](t.url("basic", run), options), `${method}(${name})`);
        ok(error instanceof TypeError, `${method} with ${JSON.stringify(options)} threw ${error}`);
        ok(error.message.includes(name), `${method}: "${error.message}" names ${name}`);
      }
    }
    for (const name of ["onMessage", "onComplete"]) {
      const error = thrown(() => sse.stream(t.url("basic", run), { [name]: () => {} }), `stream(${name})`);
      ok(error instanceof TypeError && error.message.includes(name), `stream with ${name} threw ${error}`);
    }
    eq(sse.readyState, 2, "readyState");
    await sleep(GRACE_MS);
    eq((await t.stats(run)).requests, 0, "requests");
  }],

  ["stream(): yields each message's data and returns on completion, with one request", async (t) => {
    const run = t.run("stream");
    const sse = t.service();
    const iterator = sse.stream(t.url("basic", run), { isFinal: (data) => data.status === 1 });
    ok(iterator[Symbol.asyncIterator]() === iterator, "the iterator is its own async iterable");
    const { items, error } = await drain(iterator);
    eq(error, undefined, "thrown");
    eq(items, ["0 Hello", "1 ,", "2  world", "3 !"], "items");
    await sleep(GRACE_MS);
    await completed(t, { run, sse }, "4");
  }],

  ["stream(): doneData ends the loop; json: false yields raw strings", async (t) => {
    const run = t.run("stream-sentinel");
    const sse = t.service();
    const { items, error } = await drain(
      sse.stream(t.url("sentinel", run, "count=2"), { json: false, doneData: "[DONE]" }),
    );
    eq(error, undefined, "thrown");
    eq(items, ['{"index":0,"text":"Hello"}', '{"index":1,"text":","}'], "items");
    await sleep(GRACE_MS);
    await completed(t, { run, sse }, "2");
  }],

  ["stream(): throws an SSEError on failure (HTTP 500), no retry", async (t) => {
    const run = t.run("stream-500");
    const sse = t.service();
    const { items, error } = await drain(sse.stream(t.url("status/500", run)));
    eq(items, [], "items");
    ok(error !== undefined, "the loop threw");
    eq(errorEntry(error), "error failed", "error");
    eq(sse.readyState, 2, "readyState");
    await sleep(GRACE_MS);
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["stream(): break disconnects and the server sees the client go", async (t) => {
    const run = t.run("stream-break");
    const sse = t.service();
    const { items, error } = await drain(sse.stream(t.url("endless", run)), { limit: 2 });
    eq(error, undefined, "thrown");
    eq(items, ["0 Hello", "1 ,"], "items");
    eq(sse.readyState, 2, "readyState after break");
    eq(sse.isClosing, true, "isClosing after break");
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["stream(): disconnect() ends a waiting loop", async (t) => {
    const run = t.run("stream-disconnect");
    const sse = t.service();
    const { items, error } = await drain(sse.stream(t.url("endless", run)), {
      each: (items) => items.length === 1 && sse.disconnect(),
    });
    eq(error, undefined, "thrown");
    eq(items[0], "0 Hello", "first item");
    eq(sse.readyState, 2, "readyState");
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
  }],

  ["stream(): a parse error is thrown when no onError is given, and closes the connection", async (t) => {
    const run = t.run("stream-parse-thrown");
    const sse = t.service();
    // endless=1: messages keep coming after the bad one, so only a close ends the response.
    const { items, error } = await drain(
      sse.stream(t.url("invalid-json", run, "endless=1"), { isFinal: (data) => data.status === 1 }),
    );
    eq(items, ["0 Hello"], "items before the error");
    ok(error !== undefined, "the loop threw");
    eq(errorEntry(error), "error parse not json{", "error");
    eq(sse.readyState, 2, "readyState after the throw");
    eq(sse.isClosing, true, "isClosing after the throw");
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["stream(): a parse error goes to onError when given, and the loop goes on", async (t) => {
    const run = t.run("stream-parse-on-error");
    const sse = t.service();
    const errors = [];
    const { items, error } = await drain(
      sse.stream(t.url("invalid-json", run), {
        isFinal: (data) => data.status === 1,
        onError: (e) => errors.push(errorEntry(e)),
      }),
    );
    eq(error, undefined, "thrown");
    eq(items, ["0 Hello", "1 ,"], "items");
    eq(errors, ["error parse not json{"], "onError calls");
    await sleep(GRACE_MS);
    await completed(t, { run, sse }, "3");
  }],

  ["SSEService.subscribe: one request for three subscribers, replayLast, unsubscribe() and free() leave idempotently, the last one closes it", async (t) => {
    const run = t.run("subscribe");
    const url = t.url("endless", run);
    const seen = [[], [], []];
    const options = (k) => ({ onMessage: (data) => seen[k].push(data.index) });
    const first = t.subscribe(url, options(0));
    const second = t.subscribe(url, options(1));
    await waitUntil("2 messages each", () => seen[0].length >= 2 && seen[1].length >= 2);
    eq([first.readyState, first.closeReason], [1, null], "first: open, not ended");
    const last = seen[0].at(-1);
    eq(first.lastEventId, String(last + 1), "lastEventId (ids are index + 1)");
    const third = t.subscribe(url, { ...options(2), replayLast: true });
    await waitUntil("the replay", () => seen[2].length >= 1);
    eq(seen[2][0], last, "a late subscriber asking for it gets the last message first");

    first.unsubscribe();
    first.unsubscribe();
    eq([first.readyState, first.closeReason], [2, "disconnected"], "first after unsubscribe (twice)");
    // free() is what `[Symbol.dispose]` is, where the engine has it (the next case).
    third.free();
    const [firstCount, thirdCount] = [seen[0].length, seen[2].length];
    const secondCount = seen[1].length;
    await sleep(200);
    eq([seen[0].length, seen[2].length], [firstCount, thirdCount], "no callback after leaving");
    ok(seen[1].length > secondCount, "the remaining subscriber goes on");
    const stats = await t.stats(run);
    eq([stats.requests, stats.disconnects], [1, 0], "one request, still open");
    second.unsubscribe();
    eq(second.readyState, 2, "second after unsubscribe");
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
  }],

  ["after free() or [Symbol.dispose](): the state reads as closed; free, disconnect and unsubscribe are no-ops", async (t) => {
    const closed = (object, reason, lastEventId, what) =>
      eq([object.readyState, object.closeReason, object.lastEventId], [2, reason, lastEventId], what);
    // A live service: free() disconnects (the server sees it go) and retires it.
    const run = t.run("free");
    const rec = recorder();
    const sse = t.service();
    sse.connect(t.url("endless", run), rec.options);
    await waitUntil("message 1", () => rec.log.includes("message 1 ,"));
    sse.free();
    closed(sse, "disconnected", "2", "a freed service");
    eq(sse.isClosing, true, "isClosing after free()");
    sse.free();
    sse.disconnect();
    closed(sse, "disconnected", "2", "after free() and disconnect() again");
    const error = thrown(() => sse.connect(t.url("basic", run)), "connect after free()");
    ok(error instanceof TypeError, `connect after free() threw ${error}`);
    await t.waitForStats(run, "the client go away", (s) => s.disconnects === 1);
    eq((await t.stats(run)).requests, 1, "requests");
    // A completed service keeps its reason; one never connected reads as disconnected.
    const done = await recorded(t, "basic", "count=2");
    done.sse.free();
    closed(done.sse, "completed", "2", "a completed service, freed");
    const idle = t.service();
    idle.free();
    closed(idle, "disconnected", "", "a service freed before any connect");
    // [Symbol.dispose], where the engine has it, is disconnect() then free().
    if (Symbol.dispose) {
      const disposed = t.service();
      disposed.connect(t.url("endless", t.run("dispose")), rec.options);
      disposed[Symbol.dispose]();
      closed(disposed, "disconnected", "", "a disposed service");
    }
    // A subscription: free() unsubscribes; unsubscribe() and free() afterwards do nothing.
    const seen = [];
    const subscription = t.subscribe(t.url("endless", t.run("free-sub")), { onMessage: (d) => seen.push(d.index) });
    await waitUntil("a message", () => seen.length > 0);
    subscription.free();
    const count = seen.length;
    closed(subscription, "disconnected", String(seen.at(-1) + 1), "a freed subscription");
    eq(subscription.isClosing, true, "isClosing of a freed subscription");
    subscription.unsubscribe();
    subscription.free();
    await sleep(200);
    eq(seen.length, count, "no message after free()");
    // The iterator: free() ends the loop as break does; its state reads through its service.
    const owner = t.service();
    const iterator = owner.stream(t.url("endless", t.run("free-iterator")));
    const { items } = await drain(iterator, { each: (got) => got.length === 2 && iterator.free() });
    eq(items.length, 2, "items before free()");
    closed(iterator, "disconnected", "2", "a freed iterator");
    iterator.free();
  }],

  ["SSEService.subscribe: five subscribers with their own named events, decodings and completion rules share one request, each gets its own events", async (t) => {
    // /sse/mixed: index i is an unnamed event, a tick or an alert for i % 3 = 0, 1, 2.
    const run = t.run("subscribe-names");
    const url = t.url("mixed", run, "interval=15");
    const logs = [[], [], [], [], []];
    const push = (k, tag) => (data) => logs[k].push(`${tag}${typeof data === "string" ? JSON.parse(data).index : data.index}`);
    const done = (k) => () => logs[k].push("complete");
    const subscriptions = [
      t.subscribe(url, { json: false, onMessage: push(0, "m"), isFinal: (text) => text.includes('"index":9,'), onComplete: done(0) }),
      t.subscribe(url, { events: { tick: push(1, "t") }, isFinal: (d) => d.index >= 10, onComplete: done(1) }),
      t.subscribe(url, { events: { alert: push(2, "a") } }),
      t.subscribe(url, { onMessage: push(3, "m"), events: { tick: push(3, "t") }, doneEvent: "alert", onComplete: done(3) }),
      t.subscribe(url, { events: { tick: push(4, "t") }, isFinal: (d) => d.index >= 4, onComplete: done(4) }),
    ];
    await waitUntil("a11 and every completion", () =>
      logs[2].includes("a11") && [0, 1, 3, 4].every((k) => logs[k].includes("complete")));
    eq(logs[0], ["m0", "m3", "m6", "m9", "complete"], "unnamed, raw text, until index 9");
    eq(logs[1], ["t1", "t4", "t7", "t10", "complete"], "ticks until index 10");
    eq(logs[2].slice(0, 4), ["a2", "a5", "a8", "a11"], "alerts, no end");
    eq(logs[3], ["m0", "t1", "complete"], "unnamed and ticks until the done event");
    eq(logs[4], ["t1", "t4", "complete"], "ticks until index 4");
    eq(subscriptions.map((s) => s.closeReason), ["completed", "completed", null, "completed", "completed"], "closeReason");
    const stats = await t.stats(run);
    eq([stats.requests, stats.disconnects], [1, 0], "one request, still open");
    // A subscriber for a name nobody listened for joins the open stream: no new request.
    const late = [];
    t.subscribe(url, { events: { tick: (d) => late.push(d.index) } });
    await waitUntil("two late ticks", () => late.length >= 2);
    eq((await t.stats(run)).requests, 1, "no request for a new subscriber");
  }],

  ["SSEService.subscribe: inside onComplete and onError a subscription reads closed, as a private connection does", async (t) => {
    const seen = [];
    const state = (s) => `${s.readyState} ${s.closeReason} ${s.isClosing}`;
    let completing;
    completing = t.subscribe(t.url("endless", t.run("subscribe-state")), {
      isFinal: (d) => d.index === 1,
      onComplete: () => seen.push(`complete: ${state(completing)}`),
    });
    let failing;
    failing = t.subscribe(t.url("status/500", t.run("subscribe-state-500")), {
      onError: (error) => seen.push(`error ${error.kind}: ${state(failing)}`),
    });
    await waitUntil("both ends", () => seen.length === 2);
    eq(seen.sort(), ["complete: 2 completed true", "error failed: 2 failed false"], "states inside the callbacks");
  }],

  ["[Symbol.dispose] is free(): it disconnects a service and leaves a shared stream (what `using` calls)", async (t) => {
    // WebKit (Safari's engine) has no Symbol.dispose yet, nor `using`; the package then adds
    // no such method, and free() does the same.
    if (typeof Symbol.dispose !== "symbol") throw new Skip("this engine has no Symbol.dispose");
    const [service, shared] = [t.run("dispose-service"), t.run("dispose-subscription")];
    const seen = [];
    const sse = t.service();
    sse.connect(t.url("endless", service), { onMessage: (data) => seen.push(`service ${data.index}`) });
    const subscription = t.subscribe(t.url("endless", shared), { onMessage: (data) => seen.push(`shared ${data.index}`) });
    await waitUntil("a message on each", () => seen.includes("service 0") && seen.includes("shared 0"));
    sse[Symbol.dispose]();
    subscription[Symbol.dispose]();
    eq([sse.readyState, sse.closeReason, subscription.readyState, subscription.closeReason], [2, "disconnected", 2, "disconnected"], "both read as closed");
    const count = seen.length;
    await t.waitForStats(service, "the service's client go", (s) => s.disconnects === 1);
    await t.waitForStats(shared, "the shared stream's client go", (s) => s.disconnects === 1);
    await sleep(200);
    eq(seen.length, count, `no callback after [Symbol.dispose] (${JSON.stringify(seen)})`);
  }],

  // The fetch transport: what EventSource cannot do.

  ["fetch: a POST sends its method, headers (an async function) and body; onOpen gets the Response", async (t) => {
    const body = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });
    const responses = [];
    const { run, rec } = await recorded(t, "mirror", "", {
      method: "POST",
      headers: async () => ({ Authorization: "Bearer t0k", "X-Test": "yes", "Content-Type": "application/json" }),
      body,
      onOpen: (response) => responses.push(response),
    });
    eq(rec.log, ["message 0 POST", "message 1 Bearer t0k", "message 2 yes", `message 3 ${body}`, "complete"], "log");
    ok(responses.length === 1 && responses[0] instanceof Response, "onOpen got a Response");
    eq(responses[0].status, 200, "its status");
    const seen = await t.stats(run);
    eq([seen.requests, seen.methods, seen.bodies, seen.content_types], [1, ["POST"], [body], ["application/json"]], "what the server saw");
  }],

  ["fetch: a 401 fails once with its status and the API's own error body", async (t) => {
    const run = t.run("auth");
    const errors = [];
    const sse = t.service();
    sse.connect(t.url("auth", run), { headers: { Authorization: "Bearer wrong" }, onError: (e) => errors.push(e) });
    await waitUntil("an error", () => errors.length > 0);
    await sleep(GRACE_MS);
    const [error] = errors;
    eq(errorEntry(error), "error failed", "the error");
    eq([error.status, error.body], [401, '{"error":{"message":"invalid token","type":"invalid_request_error"}}'], "status and body");
    ok(error.message.includes("HTTP 401"), `message: ${error.message}`);
    eq([errors.length, sse.readyState, sse.closeReason], [1, 2, "failed"], "one error, closed, failed");
    eq((await t.stats(run)).requests, 1, "requests");
  }],

  ["fetch: a 503 is retried with its status and delay in onReconnecting, then streams", async (t) => {
    const infos = [];
    const { run, rec } = await recorded(t, "fail-then-ok", "fails=1&retry_after=0", (rec) => ({
      transport: "fetch",
      onReconnecting: (info) => { infos.push(info); rec.log.push("reconnecting"); },
    }));
    eq(rec.log, ["reconnecting", "open", ...HELLO_WORLD, "complete"], "log");
    eq([infos[0].attempt, infos[0].status, typeof infos[0].delay], [1, 503, "number"], "the reconnect info");
    eq((await t.stats(run)).requests, 2, "requests");
  }],

  ["fetch: a POST dropped mid-event resumes from Last-Event-ID, losing and repeating nothing", async (t) => {
    const { run, rec } = await recorded(t, "resume", "cut=mid", { method: "POST", body: "prompt" }, "complete");
    const messages = rec.log.filter((e) => e.startsWith("message"));
    eq(messages, ["message 0 Hello", "message 1 ,", "message 2  world", "message 3 !", "message 4  How", "message 5  are"], "messages");
    const seen = await t.stats(run);
    eq([seen.methods, seen.bodies, seen.last_event_ids], [["POST", "POST"], ["prompt", "prompt"], ["", "3"]], "what the server saw");
  }],

  ["fetch: a handler that declares the event gets a MessageEvent with its fields; one that does not gets the data only", async (t) => {
    const run = t.run("event-argument");
    const url = t.url("named", run, "count=2");
    const log = [];
    const sse = t.service();
    sse.connect(url, {
      transport: "fetch",
      json: false,
      events: {
        token: (data, event) =>
          log.push([event instanceof MessageEvent, event.type, event.data === data, event.lastEventId, event.origin]),
        done: function () {
          log.push(`done with ${arguments.length} argument(s)`);
        },
      },
      doneEvent: "done",
      onComplete: () => log.push("complete"),
    });
    await waitUntil("complete", () => log.includes("complete"));
    const origin = new URL(url).origin;
    eq(log, [[true, "token", true, "1", origin], [true, "token", true, "2", origin], "done with 1 argument(s)", "complete"], "log");
  }],

  ["fetch: lastEventId is sent with the first request", async (t) => {
    const run = t.run("resume-first");
    const rec = recorder();
    const sse = t.service();
    sse.connect(t.url("resume", run, "mode=end"), { ...rec.options, lastEventId: "2" });
    await waitUntil("message 2", () => rec.log.includes("message 2  world"));
    eq((await t.stats(run)).last_event_ids[0], "2", "Last-Event-ID of the first request");
  }],

  ["fetch: an AbortSignal disconnects without onError; an aborted one never connects", async (t) => {
    const controller = new AbortController();
    const run = t.run("abort");
    const rec = recorder();
    const sse = t.service();
    sse.connect(t.url("endless", run), { ...rec.options, signal: controller.signal });
    await waitUntil("message 1", () => rec.log.includes("message 1 ,"));
    controller.abort();
    eq([sse.readyState, sse.closeReason], [2, "disconnected"], "after abort");
    await t.waitForStats(run, "the client go", (seen) => seen.disconnects === 1);
    eq(rec.log.filter((e) => e.startsWith("error")), [], "errors");
    const again = t.run("aborted");
    sse.connect(t.url("basic", again), { ...recorder().options, signal: controller.signal });
    eq(sse.readyState, 2, "readyState with an aborted signal");
    const { items, error } = await drain(sse.stream(t.url("basic", again), { signal: controller.signal }));
    eq([items, error, sse.closeReason], [[], undefined, "disconnected"], "a stream() with an aborted signal ends at once");
    await sleep(GRACE_MS);
    eq((await t.stats(again)).requests, 0, "requests");
  }],

  ["fetch: stream() over a POST yields the data and completes", async (t) => {
    const run = t.run("mirror-stream");
    const sse = t.service();
    const { items, error } = await drain(sse.stream(t.url("mirror", run), { method: "POST", body: "b", isFinal: (d) => d.status === 1 }));
    eq([items, error, sse.closeReason], [["0 POST", "1 ", "2 ", "3 b"], undefined, "completed"], "loop");
  }],

  ["fetch: options it needs, or that contradict, throw a TypeError naming them", (t) => {
    const sse = t.service();
    const message = (options) => {
      const error = thrown(() => sse.connect(t.url("basic", t.run("bad")), options), JSON.stringify(options));
      ok(error instanceof TypeError, `a TypeError for ${JSON.stringify(options)}`);
      return error.message;
    };
    ok(message({ transport: "eventsource", method: "POST" }).includes("method needs the fetch transport"), "transport conflict");
    ok(message({ body: "x" }).includes("body cannot be sent with a GET request"), "GET body");
    ok(message({ transport: "websocket" }).includes("transport must be"), "bad transport");
    ok(message({ idleTimeout: 0 }).includes("idleTimeout must be"), "bad idleTimeout");
    ok(message({ reconnect: "sometimes" }).includes("reconnect must be"), "bad reconnect");
    ok(message({ signal: {} }).includes("signal must be an AbortSignal"), "bad signal");
    eq(sse.readyState, 2, "nothing connected");
    const refused = [
      [{ method: "POST", body: "x" }, "a POST stream"],
      [{ headers: () => ({}) }, "a headers function"],
      [{ fetch: (...args) => fetch(...args) }, "a custom fetch function"],
    ];
    for (const [options, what] of refused) {
      const error = thrown(() => t.subscribe(t.url("basic", t.run("bad")), options), what);
      ok(error instanceof TypeError && error.message.includes(`sharing is GET-only: ${what}`), `subscribe threw ${error}`);
    }
  }],
];

/** Thrown by a case that cannot run against this build: reported as skipped, with the reason. */
class Skip extends Error {}

/** `closeReason` comes from the lead's change to src/js (issue #10); skipped until it is built. */
function closeReasonCase(SSEService) {
  return ["closeReason: null before and while open; completed, disconnected (disconnect() and break), failed", async (t) => {
    if (!("closeReason" in SSEService.prototype)) throw new Skip("this build has no closeReason getter yet");
    const sse = t.service();
    eq(sse.closeReason, null, "before the first connect");
    let rec = recorder();
    sse.connect(t.url("basic", t.run("reason-completed")), rec.options);
    eq(sse.closeReason, null, "while connecting");
    await waitUntil("complete", () => rec.log.includes("complete"));
    eq(sse.closeReason, "completed", "after a completion");
    rec = recorder();
    sse.connect(t.url("endless", t.run("reason-disconnected")), rec.options);
    await waitUntil("message 0", () => rec.log.includes("message 0 Hello"));
    eq(sse.closeReason, null, "while open");
    sse.disconnect();
    eq(sse.closeReason, "disconnected", "after disconnect()");
    for await (const data of sse.stream(t.url("endless", t.run("reason-break")))) {
      if (data.index === 1) break;
    }
    eq(sse.closeReason, "disconnected", "after break in a stream() loop");
    rec = recorder();
    sse.connect(t.url("status/500", t.run("reason-failed")), rec.options);
    await waitUntil("error", () => rec.log.some((e) => e.startsWith("error")));
    eq(sse.closeReason, "failed", "after a failure");
  }];
}

/** The `init()` case needs the package's default export, so it is built per run. */
function initCase(init) {
  return ["init() called again is fine: the same promise, nothing fetched (the wasm is embedded)", async (t) => {
    const [first, second] = [init(), init()];
    ok(first === second, "init() returns the same promise each time");
    eq(await first, undefined, "init() resolves to nothing");
    const wasm = performance.getEntriesByType("resource").filter((e) => /\.wasm(\?|$)/.test(e.name));
    eq(wasm.map((e) => e.name), [], "wasm fetches");
    eq(t.service().readyState, 2, "a service still works");
  }];
}

/** `promise`, or a rejection after `ms`. */
async function within(ms, promise) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`case timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every case in order (one at a time: the browser allows only 6 connections per host)
 * and returns `[{ name, ok, detail }]`. `init` is the package's default export.
 */
export async function runSuite(SSEService, base, init) {
  // init first: the resource timings it counts are capped (250 entries by default).
  const all = [...(init ? [initCase(init)] : []), ...cases, closeReasonCase(SSEService)];
  const results = [];
  for (const [name, body] of all) {
    const t = context(SSEService, base);
    let result;
    try {
      await within(CASE_TIMEOUT_MS, (async () => body(t))());
      result = { name, ok: true, detail: "" };
    } catch (error) {
      if (error instanceof Skip) {
        results.push({ name, ok: true, skip: error.message });
        continue;
      }
      result = { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
    } finally {
      t.cleanUp();
    }
    results.push(result);
  }
  return results;
}
