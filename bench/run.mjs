// The benchmark driver, run by `cargo xtask bench [--smoke]` (which builds everything, starts
// the workspace's SSE server with the page and the builds as static files, and sets the
// environment below). It opens bench/page/ in one headless Chromium, runs every contender
// interleaved (round r starts with contender r), takes medians, checks that every run saw
// every message in order, profiles the main contenders, and writes the JSON results, the
// Markdown report and the SVG chart. The cross-tab relay benchmark (several tabs sharing one
// stream) is in bench/relay.mjs, run from here in fresh browser contexts.
//
// Environment: BENCH_URL (the server), BENCH_MODE (`full` | `smoke`), BENCH_JSON, BENCH_MD,
// BENCH_SVG (outputs), BENCH_SIZES (sizes measured by xtask, JSON), BENCH_NOTES (hand-written
// notes appended to the report), BENCH_RUSTC (the compiler's version line); BENCH_RENDER_ONLY
// rewrites the report and chart from BENCH_JSON without running anything.
//
// BENCH_ONLY (for working on one part): a comma-separated list of parts to run, out of
// `throughput`, `huge`, `chat`, `latency`, `memory`, `relay`, `profile`; e.g.
// `BENCH_ONLY=relay,chat cargo xtask bench --smoke`. It writes no file: it prints the report's
// sections of `chat` and `relay` and fails, as always, if a run missed a message.

import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, relative, basename } from "node:path";
import os from "node:os";
import { relayBench, relayMarkdown } from "./relay.mjs";

const require = createRequire(new URL("../tests/npm/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run cargo xtask bench)`);
  return value;
};
const server = process.env.BENCH_URL?.replace(/\/$/, "");
const mode = env("BENCH_MODE");
const smoke = mode === "smoke";
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",").map((part) => part.trim())) : null;
/** Whether this run measures `part` (every part unless BENCH_ONLY says otherwise). */
const wanted = (part) => !ONLY || ONLY.has(part);

/** What each mode measures. */
const PLAN = smoke
  ? {
      rounds: 1,
      throughputRounds: { small: 1, large: 1 },
      warmup: false,
      small: { count: 200, bytes: 100 },
      large: { count: 5, bytes: 65536 },
      huge: { rounds: 1, sizes: [256 * 1024, 512 * 1024], chunk: 1024 },
      latency: { count: 20, interval: 5, warm: 0 },
      chat: { tokens: 2000, rounds: 1 },
      memory: { rust: [20, 2], js: [20, 2], "js-unreferenced": [20, 2], "rust-fetch": [20, 2], "js-fetch": [20, 2], raw: [20, 2] },
      profile: false,
    }
  : {
      rounds: 5,
      // Large runs are short and their spread is wide: more of them.
      throughputRounds: { small: 7, large: 15 },
      warmup: true,
      small: { count: 50_000, bytes: 100 },
      large: { count: 500, bytes: 65536 },
      huge: { rounds: 3, sizes: [8 * 1024 * 1024, 16 * 1024 * 1024], chunk: 1024 },
      latency: { count: 1000, interval: 5, warm: 100 },
      // Chat streams are short (tens of ms) and spread widely: many runs, as for large messages.
      chat: { tokens: 2000, rounds: 15 },
      memory: { rust: [10_000, 200], js: [1000, 50], "js-unreferenced": [1000, 50], "rust-fetch": [2000, 100], "js-fetch": [1000, 50], raw: [10_000, 200] },
      profile: true,
    };

const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--js-flags=--expose-gc",
    "--enable-precise-memory-info",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

const LABELS = {
  raw: "raw EventSource + JSON.parse",
  js: "wasm-sse JS API (SSEService)",
  "rust-typed": "wasm-sse Rust, typed (serde)",
  "rust-untyped": "wasm-sse Rust, untyped (JsValue)",
  gloo: "gloo-net EventSource + serde-wasm-bindgen",
  "reconnecting-eventsource": "reconnecting-eventsource",
  "js-fetch": "wasm-sse JS API, fetch transport",
  "rust-typed-fetch": "wasm-sse Rust, typed, fetch transport",
  "rust-untyped-fetch": "wasm-sse Rust, untyped, fetch transport",
  "fetch-event-source": "@microsoft/fetch-event-source",
  eventsource: "eventsource (npm, fetch-based)",
  "eventsource-parser": "eventsource-parser over fetch + TextDecoderStream",
  "fetch-event-stream": "fetch-event-stream",
  "js-named": "wasm-sse JS API (named build)",
  "js-named-fetch": "wasm-sse JS API, fetch transport (named build)",
};

/** The JS peers that read the stream with fetch (the bar of the fetch transport's targets). */
const FETCH_PEERS = ["fetch-event-source", "eventsource", "eventsource-parser", "fetch-event-stream"];
/** Who runs the huge-event workload: the fetch-based contenders, and raw EventSource. */
const HUGE = ["raw", "js-fetch", "rust-typed-fetch", "rust-untyped-fetch", ...FETCH_PEERS];

/** What each contender does, for the report. */
const CONTENDER_NOTES = {
  raw: "`new EventSource(url)`, `onmessage` with `JSON.parse(event.data)` and a hand-written check of the final message, then `close()`: the floor.",
  js: "`new SSEService()` from the npm package as `cargo xtask pkg` builds it (`pkg/`), `connect(url, { onMessage, isFinal, onComplete, onError })`, `free()` afterwards.",
  "rust-typed": "`SseService::connect` with `SseOptions::<Msg>::json()` (serde_json in wasm into a `#[derive(Deserialize)] struct Msg { i: u32, t: f64, status: u8, pad: String }`), `complete_when(|m| m.status == 1)`.",
  "rust-untyped": "`SseOptions::json_value()` (the parsed `JsValue`), fields read through wasm-bindgen getters, `complete_when` on `status`.",
  gloo: "gloo-net 0.7 (`eventsource` feature) `EventSource::subscribe(\"message\")` stream, `JSON.parse` on the event's JS string (the fastest path: js-sys's `JSON::parse` takes a `&str`, a copy) and `serde_wasm_bindgen::from_value` into the same `Msg`, a hand-written completion check.",
  "reconnecting-eventsource": "`new ReconnectingEventSource(url)` (npm `reconnecting-eventsource` 1.6.5), otherwise as raw.",
  "js-fetch": "the JS API as above with `transport: \"fetch\"`: `fetch`, the body read in a small JS loop, parsed by wasm-sse's own Rust parser.",
  "rust-typed-fetch": "the Rust typed contender with `.transport(TransportKind::Fetch)`.",
  "rust-untyped-fetch": "the Rust untyped contender with `.transport(TransportKind::Fetch)`.",
  eventsource: "`new EventSource(url)` of the npm package `eventsource` 5.1.5 (fetch + eventsource-parser inside), otherwise as raw.",
  "eventsource-parser": "`fetch(url)`, `body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())` (npm `eventsource-parser` 4.1.3), read to the final message, then aborted.",
  "fetch-event-stream": "`for await (const event of await stream(url, { signal }))` (npm `fetch-event-stream` 0.1.6), aborted at the final message.",
  "fetch-event-source": "`fetchEventSource(url, { onmessage, signal })` (npm `@microsoft/fetch-event-source` 2.0.1): `fetch` and an SSE parser in JS, not `EventSource`; aborted at the final message.",
};

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const log = (...args) => console.log(...args);
const problems = [];

/** Checks a run saw every message, in order. */
function check(what, stats, expected) {
  if (stats.count !== expected || stats.outOfOrder !== 0) {
    problems.push(`${what}: ${stats.count} of ${expected} messages, ${stats.outOfOrder} out of order`);
  }
}

/** Rounds of every contender, each round starting one further along (A B C, B C A, ...). */
function* interleaved(names, rounds) {
  for (let round = 0; round < rounds; round += 1) {
    for (let k = 0; k < names.length; k += 1) yield [round, names[(round + k) % names.length]];
  }
}

async function main() {
  if (!server) throw new Error("BENCH_URL is not set (run cargo xtask bench)");
  const browser = await chromium.launch(CHROMIUM);
  let results;
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(String(error?.stack ?? error)));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    page.setDefaultTimeout(600_000);
    const response = await page.goto(`${server}/index.html`);
    if (response?.status() !== 200) throw new Error(`GET /index.html: ${response?.status()}`);
    await page
      .waitForFunction(() => globalThis.bench, null, { timeout: 60_000 })
      .catch((error) => {
        throw new Error(`the page did not load: ${error.message}\n${pageErrors.join("\n")}`);
      });
    const info = await page.evaluate(() => globalThis.bench.info());
    if (!info.gc || !info.preciseMemory) throw new Error(`no gc() or precise memory: ${JSON.stringify(info)}`);
    const names = await page.evaluate(() => globalThis.bench.names);
    log(`contenders: ${names.join(", ")}`);

    // The page's main-thread CPU time (thread ticks, so time the thread was descheduled does
    // not count), read just before and after each run; the forced GC comes before the first read.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    const taskSeconds = async () => {
      const { metrics } = await cdp.send("Performance.getMetrics");
      return metrics.find((m) => m.name === "TaskDuration").value;
    };
    const measure = async (call, args) => {
      await page.evaluate(() => globalThis.bench.collect());
      const before = await taskSeconds();
      const stats = await page.evaluate(call, args);
      stats.cpuMs = ((await taskSeconds()) - before) * 1000;
      return stats;
    };
    const throughputRun = (name, spec) =>
      measure(([n, c, b]) => globalThis.bench.throughput(n, c, b), [name, spec.count, spec.bytes]);
    const latencyRun = (name, count) =>
      measure(([n, c, i]) => globalThis.bench.latency(n, c, i), [name, count, PLAN.latency.interval]);

    const throughput = {};
    for (const [size, spec] of wanted("throughput") ? [["small", PLAN.small], ["large", PLAN.large]] : []) {
      const runs = Object.fromEntries(names.map((name) => [name, []]));
      if (PLAN.warmup) {
        for (const name of names) {
          check(`${name} ${size} warm-up`, await throughputRun(name, spec), spec.count);
        }
      }
      for (const [round, name] of interleaved(names, PLAN.throughputRounds[size])) {
        const stats = await throughputRun(name, spec);
        check(`${name} ${size} run ${round + 1}`, stats, spec.count);
        runs[name].push(stats);
        log(`throughput ${size} ${name} run ${round + 1}: ${Math.round(stats.rate)} msg/s (${stats.ms.toFixed(1)} ms, main thread ${stats.cpuMs.toFixed(1)} ms)`);
      }
      throughput[size] = { ...spec, runs };
    }

    // One huge event, each size, for the contenders that read the body themselves (and raw).
    const hugeNames = names.filter((name) => HUGE.includes(name));
    const huge = { ...PLAN.huge, runs: {} };
    for (const bytes of wanted("huge") ? PLAN.huge.sizes : []) {
      huge.runs[bytes] = Object.fromEntries(hugeNames.map((name) => [name, []]));
      for (const [round, name] of interleaved(hugeNames, PLAN.huge.rounds)) {
        const stats = await measure(([n, b, c]) => globalThis.bench.huge(n, b, c), [name, bytes, PLAN.huge.chunk]);
        check(`${name} huge ${bytes} run ${round + 1}`, stats, 1);
        huge.runs[bytes][name].push(stats);
        log(`huge ${bytes} B ${name} run ${round + 1}: ${stats.ms.toFixed(1)} ms (main thread ${stats.cpuMs.toFixed(1)} ms)`);
      }
    }

    // The POST chat stream, for the contenders that can POST.
    const chatNames = await page.evaluate(() => globalThis.bench.chatNames);
    const chat = { ...PLAN.chat, runs: Object.fromEntries(chatNames.map((name) => [name, []])) };
    const chatRun = (name) => measure(([n, t]) => globalThis.bench.chat(n, t), [name, PLAN.chat.tokens]);
    if (wanted("chat")) {
      if (PLAN.warmup) {
        for (const name of chatNames) check(`${name} chat warm-up`, await chatRun(name), PLAN.chat.tokens);
      }
      for (const [round, name] of interleaved(chatNames, PLAN.chat.rounds)) {
        const stats = await chatRun(name);
        check(`${name} chat run ${round + 1}`, stats, PLAN.chat.tokens);
        chat.runs[name].push(stats);
        log(`chat ${name} run ${round + 1}: ${Math.round(stats.rate)} tokens/s (${stats.ms.toFixed(1)} ms, main thread ${stats.cpuMs.toFixed(1)} ms)`);
      }
    }

    const latency = { ...PLAN.latency, runs: Object.fromEntries(names.map((name) => [name, []])) };
    if (PLAN.latency.warm > 0 && wanted("latency")) {
      for (const name of names) {
        check(`${name} latency warm-up`, await latencyRun(name, PLAN.latency.warm), PLAN.latency.warm);
      }
    }
    for (const [round, name] of interleaved(names, wanted("latency") ? PLAN.rounds : 0)) {
      const stats = await latencyRun(name, PLAN.latency.count);
      check(`${name} latency run ${round + 1}`, stats, PLAN.latency.count);
      latency.runs[name].push(stats);
      log(`latency ${name} run ${round + 1}: p50 ${stats.p50.toFixed(3)} ms, p99 ${stats.p99.toFixed(3)} ms`);
    }

    const memory = {};
    for (const [kind, [cycles, warm]] of wanted("memory") ? Object.entries(PLAN.memory) : []) {
      const stats = await page.evaluate(([k, n, w]) => globalThis.bench.memory(k, n, w), [kind, cycles, warm]);
      if (stats.cycles !== cycles) problems.push(`memory ${kind}: ${stats.cycles} of ${cycles} cycles`);
      if (stats.servicesAlive > 0) problems.push(`memory ${kind}: ${stats.servicesAlive} ended services not collected`);
      memory[kind] = stats;
      log(`memory ${kind}: ${JSON.stringify(stats)}`);
    }

    // Several tabs sharing one stream, each run in a browser context of its own.
    const relay = wanted("relay") ? await relayBench({ browser, server, mode, problems, log }) : undefined;

    const profiles = PLAN.profile && wanted("profile") ? await profileAll(page) : {};
    if (pageErrors.length > 0) problems.push(`the page reported errors:\n${pageErrors.join("\n")}`);

    if (ONLY) {
      results = { mode, only: [...ONLY], contenders: LABELS, chat: wanted("chat") ? summarizeChat(chat) : undefined, relay, problems };
    } else {
      results = summarize({ info, names, throughput, huge, chat, latency, memory, relay, profiles, version: browser.version() });
    }
  } finally {
    await browser.close();
  }
  return results;
}

/** CPU profiles (DevTools protocol) of one throughput run per contender of interest. */
async function profileAll(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  const profiles = {};
  const wanted = [
    ["small", ["raw", "js-named", "rust-typed", "rust-untyped", "gloo", "js-named-fetch", "rust-typed-fetch", "eventsource-parser", "fetch-event-stream"]],
    ["large", ["raw", "js-named", "rust-typed", "gloo", "js-named-fetch", "rust-typed-fetch", "eventsource-parser", "fetch-event-stream"]],
  ];
  for (const [size, list] of wanted) {
    const spec = PLAN[size];
    for (const name of list) {
      await page.evaluate(() => globalThis.bench.collect());
      await cdp.send("Profiler.start");
      const stats = await page.evaluate(([n, c, b]) => globalThis.bench.throughput(n, c, b), [name, spec.count, spec.bytes]);
      const { profile } = await cdp.send("Profiler.stop");
      check(`${name} ${size} profiled run`, stats, spec.count);
      profiles[`${name}/${size}`] = { ms: stats.ms, ...hotFunctions(profile, 14) };
      log(`profiled ${name} ${size}`);
    }
  }
  await cdp.detach();
  return profiles;
}

/** Self time by function, heaviest first, as shares of the non-idle samples. */
function hotFunctions(profile, limit) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const node = byNode.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    const { functionName, url } = node.callFrame;
    if (functionName === "(idle)") {
      idle += delta;
      return;
    }
    const where = url.startsWith("wasm://") ? "wasm" : url ? basename(url.split("?")[0]) : "";
    const key = `${functionName || "(anonymous)"}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    total += delta;
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, micros]) => {
      const [fn, where] = key.split("\t");
      return { function: fn, where, ms: micros / 1000, share: micros / total };
    });
  return { busyMs: total / 1000, idleMs: idle / 1000, top };
}

/** Medians of the chat runs, and each contender's ratios to the fastest JS fetch-based peer. */
function summarizeChat(chat) {
  const rates = {};
  for (const [name, runs] of Object.entries(chat.runs)) {
    if (runs.length === 0) continue;
    rates[name] = {
      median: median(runs.map((r) => r.rate)),
      msPerStream: median(runs.map((r) => r.ms)),
      cpuMicrosPerMessage: median(runs.map((r) => (r.cpuMs * 1000) / r.count)),
      runs: runs.map((r) => Math.round(r.rate)),
      cpuRuns: runs.map((r) => Math.round(r.cpuMs)),
    };
  }
  const peers = FETCH_PEERS.filter((name) => rates[name]);
  const fastestPeer = peers.reduce((best, name) => (best && rates[best].median >= rates[name].median ? best : name), null);
  if (!fastestPeer) return undefined;
  for (const x of Object.values(rates)) {
    x.ratio = x.median / rates[fastestPeer].median;
    x.cpuRatio = x.cpuMicrosPerMessage / rates[fastestPeer].cpuMicrosPerMessage;
  }
  return { tokens: chat.tokens, rounds: chat.rounds, fastestPeer, rates };
}

/** Issue 19's size goals, from the Vite builds of tests/npm/apps/size/ and the Rust pair. */
function sizeTargets(sizes) {
  const { connect, stream, subscribe } = sizes.vite;
  if (!connect) return [];
  const bytes = (b) => `${fmt(b)} B`;
  const [ours, gloo] = Object.values(sizes.apps).map((app) => app.total);
  return [
    target("connect() app (POST, headers, body, doneData; Vite 7 build, all emitted assets), gzipped", "≤ 25,600 B", connect.total, (b) => b <= 25_600, bytes),
    target("stream() app, gzipped", "≤ 25,600 B", stream.total, (b) => b <= 25_600, bytes),
    target("SSEService.subscribe app − connect() app", "≤ 12,288 B", subscribe.total - connect.total, (b) => b <= 12_288, bytes),
    target("the connect() app ships none of the hub", "none", connect.hub ? "the hub is in it" : "none", (v) => v === "none", String),
    target("minimal Rust app with wasm-sse − the same app with gloo-net", "≤ 12 KB (12,288 B)", ours - gloo, (b) => b <= 12_288, bytes),
  ];
}

function summarize({ info, names, throughput, huge, chat, latency, memory, relay, profiles, version }) {
  const rate = {};
  for (const size of ["small", "large"]) {
    rate[size] = {};
    for (const name of names) {
      const runs = throughput[size].runs[name];
      rate[size][name] = {
        median: median(runs.map((r) => r.rate)),
        runs: runs.map((r) => Math.round(r.rate)),
        cpuMicrosPerMessage: median(runs.map((r) => (r.cpuMs * 1000) / r.count)),
        cpuRuns: runs.map((r) => Math.round(r.cpuMs)),
      };
    }
    for (const name of names) {
      rate[size][name].ratio = rate[size][name].median / rate[size].raw.median;
      rate[size][name].cpuRatio = rate[size][name].cpuMicrosPerMessage / rate[size].raw.cpuMicrosPerMessage;
    }
  }
  const lat = {};
  for (const name of names) {
    const runs = latency.runs[name];
    lat[name] = {
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      max: Math.max(...runs.map((r) => r.max)),
      runs: runs.map(({ p50, p99, max }) => ({ p50, p99, max })),
    };
  }
  const hugeTimes = {};
  for (const [bytes, byName] of Object.entries(huge.runs)) {
    hugeTimes[bytes] = {};
    for (const [name, runs] of Object.entries(byName)) {
      hugeTimes[bytes][name] = {
        ms: median(runs.map((r) => r.ms)),
        cpuMs: median(runs.map((r) => r.cpuMs)),
        runs: runs.map((r) => Math.round(r.ms)),
      };
    }
  }
  const [hugeSmall, hugeLarge] = huge.sizes;
  const fastestPeer = (size) =>
    FETCH_PEERS.map((name) => rate[size][name]).reduce((best, x) => (x.median > best.median ? x : best));
  const fastestPeerName = (size) => FETCH_PEERS.find((name) => rate[size][name] === fastestPeer(size));
  const sizes = JSON.parse(readFileSync(env("BENCH_SIZES"), "utf8"));
  const MB = 1024 * 1024;
  const targets = [
    speed("JS API throughput, small messages", "≥ 0.90 × raw", rate.small.js, rate.small.raw, 0.9),
    speed("JS API throughput, large messages", "≥ 0.95 × raw", rate.large.js, rate.large.raw, 0.95),
    speed("Rust typed throughput, small messages", "≥ 0.80 × raw", rate.small["rust-typed"], rate.small.raw, 0.8),
    speed("Rust typed throughput, large messages", "≥ 0.80 × raw", rate.large["rust-typed"], rate.large.raw, 0.8),
    speed("Rust typed ahead of gloo-net + serde-wasm-bindgen, small", "> 1.00 × gloo-net", rate.small["rust-typed"], rate.small.gloo, 1, true),
    speed("Rust typed ahead of gloo-net + serde-wasm-bindgen, large", "> 1.00 × gloo-net", rate.large["rust-typed"], rate.large.gloo, 1, true),
    ...["js", "rust-typed", "rust-untyped"].map((name) =>
      target(`p99 latency, ${LABELS[name]}`, "≤ raw p99 + 1 ms", lat[name].p99 - lat.raw.p99, (d) => d <= 1, (d) => `${signed(d, 3)} ms`),
    ),
    ...["rust", "js"].flatMap((kind) => {
      const m = memory[kind];
      const what = kind === "rust" ? `${m.cycles} Rust connect/disconnect cycles` : `${m.cycles} JS SSEService objects`;
      return [
        target(`wasm memory growth after ${what}`, "< 1 MB", m.wasmGrowth, (b) => b < MB, bytesText),
        target(`JS heap growth after ${what} (after GC)`, "< 1 MB", m.heapGrowth, (b) => b < MB, bytesText),
        target(`listeners left attached after ${what}`, "0", m.listenersAttached, (n) => n === 0, String),
        target(`EventSources alive after GC, ${what}`, "0", m.sourcesAlive, (n) => n === 0, String),
      ];
    }),
    ...(() => {
      const m = memory["js-unreferenced"];
      const what = `${m.cycles} JS SSEService objects the page never referenced`;
      return [
        target(`wasm memory growth after ${what}`, "< 1 MB", m.wasmGrowth, (b) => b < MB, bytesText),
        target(`JS heap growth after ${what} (after GC)`, "< 1 MB", m.heapGrowth, (b) => b < MB, bytesText),
        target(`SSEService objects alive after GC, ${what} (each ended by itself)`, "0", m.servicesAlive, (n) => n === 0, String),
      ];
    })(),
    ...["small", "large"].map((size) =>
      speed(`fetch transport, JS API ≥ fastest JS fetch-based peer (${LABELS[fastestPeerName(size)]}), ${size}`, "≥ 1.00 × peer", rate[size]["js-fetch"], fastestPeer(size), 1),
    ),
    speed("fetch transport, JS API ≥ 5 × raw EventSource, small", "≥ 5.00 × raw", rate.small["js-fetch"], rate.small.raw, 5),
    ...["small", "large"].map((size) =>
      speed(`fetch transport, Rust typed ≥ 0.8 × fastest JS fetch-based peer, ${size}`, "≥ 0.80 × peer", rate[size]["rust-typed-fetch"], fastestPeer(size), 0.8),
    ),
    target(
      `${bytesText(hugeSmall)} event in ${huge.chunk} B pieces: JS API (fetch) time ÷ eventsource-parser's`,
      "≤ 2.00 ×",
      hugeTimes[hugeSmall]["js-fetch"].ms / hugeTimes[hugeSmall]["eventsource-parser"].ms,
      (r) => r <= 2,
      ratioText,
    ),
    target(
      `${bytesText(hugeLarge)} event ÷ ${bytesText(hugeSmall)} event, JS API (fetch) (linear)`,
      "≤ 2.20 ×",
      hugeTimes[hugeLarge]["js-fetch"].ms / hugeTimes[hugeSmall]["js-fetch"].ms,
      (r) => r <= 2.2,
      ratioText,
    ),
    ...["js-fetch", "rust-typed-fetch"].map((name) =>
      target(`p99 latency, ${LABELS[name]}`, "≤ raw p99 + 1 ms", lat[name].p99 - lat.raw.p99, (d) => d <= 1, (d) => `${signed(d, 3)} ms`),
    ),
    ...["rust-fetch", "js-fetch"].flatMap((kind) => {
      const m = memory[kind];
      const what = `${m.cycles} ${kind === "rust-fetch" ? "Rust" : "JS SSEService"} fetch connect/disconnect cycles`;
      return [
        target(`wasm memory growth after ${what}`, "< 1 MB", m.wasmGrowth, (b) => b < MB, bytesText),
        target(`JS heap growth after ${what} (after GC)`, "< 1 MB", m.heapGrowth, (b) => b < MB, bytesText),
      ];
    }),
    ...sizeTargets(sizes),
  ];
  return {
    mode,
    date: new Date().toISOString(),
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model?.trim() ?? "unknown",
      memoryBytes: os.totalmem(),
      os: `${os.type()} ${os.release()}`,
    },
    browser: { name: "Chromium (headless)", version, userAgent: info.userAgent },
    node: process.version,
    rustc: process.env.BENCH_RUSTC ?? "",
    plan: PLAN,
    contenders: Object.fromEntries(names.map((name) => [name, LABELS[name]])),
    throughput: rate,
    huge: { sizes: huge.sizes, chunk: huge.chunk, rounds: huge.rounds, times: hugeTimes },
    chat: summarizeChat(chat),
    latency: lat,
    memory,
    relay,
    sizes,
    targets,
    profiles,
    problems,
  };
}

function target(what, goal, value, pass, show) {
  return { what, goal, value, shown: show(value), met: Boolean(pass(value)) };
}

/** A throughput target: the ratio of medians, shown with the ratio of main-thread CPU per
 * message (the other's CPU over this one's: above 1 means cheaper, like the throughput ratio). */
function speed(what, goal, mine, other, threshold, strictly = false) {
  const ratio = mine.median / other.median;
  const cpu = other.cpuMicrosPerMessage / mine.cpuMicrosPerMessage;
  const met = strictly ? ratio > threshold : ratio >= threshold;
  return { what, goal, value: ratio, cpuValue: cpu, shown: `${ratioText(ratio)} (CPU: ${ratioText(cpu)})`, met };
}

const fmt = (n, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratioText = (r) => `${r.toFixed(2)} ×`;
const signed = (n, digits) => `${n >= 0 ? "+" : "−"}${Math.abs(n).toFixed(digits)}`;
function bytesText(b) {
  const sign = b < 0 ? "−" : "";
  const a = Math.abs(b);
  if (a >= 1024 * 1024) return `${sign}${(a / 1024 / 1024).toFixed(2)} MB`;
  if (a >= 1024) return `${sign}${(a / 1024).toFixed(1)} KB`;
  return `${sign}${a} B`;
}

// ---- the report ----

function markdown(r, svgName) {
  const names = Object.keys(r.contenders);
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(" | ")} |`);
  const header = (cells, align) => {
    row(cells);
    lines.push(`|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`);
  };
  const met = r.targets.filter((t) => t.met).length;
  lines.push("# Benchmarks", "");
  lines.push(
    `Generated by \`cargo xtask bench${r.mode === "smoke" ? " --smoke" : ""}\` on ${r.date.slice(0, 10)}` +
      ` (${r.date.slice(11, 16)} UTC). **${met} of ${r.targets.length} targets met.**`,
    "",
  );
  lines.push(
    `- Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${(r.machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB memory, ${r.machine.os}.`,
    `- Browser: ${r.browser.name} ${r.browser.version}, flags \`--js-flags=--expose-gc --enable-precise-memory-info\`.`,
    `- Server: the workspace's \`wasm-sse-server\` (debug build; it writes the 50,000 small messages in well under 0.1 s, so it is never the bottleneck) on 127.0.0.1, same origin as the page; Node ${r.node}; ${r.rustc}.`,
    `- Method: every contender runs in the same page, one at a time, in interleaved rounds (round *k* starts with the *k*-th contender) after a warm-up; each figure is the median of ${r.plan.throughputRounds.small} runs (small messages), ${r.plan.throughputRounds.large} runs (large) or ${r.plan.rounds} runs (latency). Every run must see every message, in order, or the benchmark fails. A forced GC precedes each run.`,
    "",
  );
  lines.push(`![Throughput relative to raw EventSource](${svgName})`, "");

  lines.push("## Contenders", "");
  for (const [name, what] of Object.entries(CONTENDER_NOTES)) {
    if (r.contenders[name]) lines.push(`- **${r.contenders[name]}**: ${what}`);
  }
  lines.push(
    "",
    "Each one reads every message's `i` (checked for order), `t` (for latency) and the length of `pad`, and stops at the message with `status` 1. The Rust contenders live in `bench/wasm` (release build: opt-level 3, LTO, no wasm-opt), the page and the JS contenders in `bench/page/harness.js`.",
    "",
  );

  lines.push("## Targets", "");
  lines.push(
    "Throughput targets compare medians of messages per second; in parentheses, the same comparison in main-thread CPU per message (the other's CPU ÷ this one's, so above 1 means cheaper), which the network's pace and the machine's other load disturb far less.",
    "",
  );
  header(["target", "goal", "measured", "met"], ["l", "l", "r", "l"]);
  for (const t of r.targets) row([t.what, t.goal, t.shown, t.met ? "yes" : "**no**"]);
  lines.push("");

  const s = r.plan.small;
  const l = r.plan.large;
  lines.push("## Throughput", "");
  lines.push(
    `Messages per second from connect to completion (the message with status 1), the server writing as fast as it can (several frames per chunk): ${fmt(s.count)} messages of ${s.bytes} B, and ${fmt(l.count)} messages of ${fmt(l.bytes)} B. Each message is parsed and its fields read (\`i\` checked for order, \`pad\` length summed).`,
    "",
  );
  lines.push(
    "Main-thread CPU is the page's `TaskDuration` (DevTools protocol `Performance.getMetrics`, thread time) over the run, per message: what each message costs the page, whether or not the page had to wait for the network.",
    "",
  );
  for (const [size, spec] of [["small", s], ["large", l]]) {
    lines.push(`### ${fmt(spec.count)} messages of ${fmt(spec.bytes)} B`, "");
    header(["contender", "msg/s", "MB/s", "× raw", "main-thread CPU µs/msg", "× raw"], ["l", "r", "r", "r", "r", "r"]);
    for (const name of names) {
      const x = r.throughput[size][name];
      row([
        r.contenders[name],
        fmt(x.median),
        fmt((x.median * spec.bytes) / 1024 / 1024, 1),
        x.ratio.toFixed(2),
        fmt(x.cpuMicrosPerMessage, 1),
        x.cpuRatio.toFixed(2),
      ]);
    }
    lines.push("");
  }
  lines.push("Per-run figures (msg/s, main-thread ms) are in `bench/results.json`.", "");

  if (r.huge) {
    const h = r.huge;
    lines.push("## One huge event", "");
    lines.push(
      `One event whose data is a single JSON line of ${h.sizes.map(bytesText).join(" and ")}, which the server hands to hyper in ${h.chunk}-byte pieces (the browser may read several pieces at once: the network coalesces them). Time from connect to the event's callback, median of ${h.rounds} runs; main-thread CPU over the run. Only the contenders that parse the body themselves, and raw EventSource for reference.`,
      "",
    );
    const hugeNames = Object.keys(h.times[h.sizes[0]]);
    header(["contender", ...h.sizes.flatMap((b) => [`${bytesText(b)} ms`, "CPU ms"]), "ratio"], ["l", ...h.sizes.flatMap(() => ["r", "r"]), "r"]);
    for (const name of hugeNames) {
      const [a, b] = h.sizes.map((bytes) => h.times[bytes][name]);
      row([r.contenders[name] ?? name, ...[a, b].flatMap((x) => [fmt(x.ms, 1), fmt(x.cpuMs, 1)]), `${(b.ms / a.ms).toFixed(2)} ×`]);
    }
    lines.push("");
  }

  lines.push(...chatMarkdown(r.chat, r.contenders));

  const p = r.plan.latency;
  lines.push("## Latency", "");
  lines.push(
    `${fmt(p.count)} messages ${p.interval} ms apart. Each message carries the server's clock (UNIX µs) at the moment it is written; the callback compares it with \`performance.timeOrigin + performance.now()\`. Medians over the runs of each run's p50 and p99; max is the largest over all runs.`,
    "",
  );
  header(["contender", "p50 ms", "p99 ms", "p99 − raw p99", "max ms"], ["l", "r", "r", "r", "r"]);
  for (const name of names) {
    const x = r.latency[name];
    row([r.contenders[name], x.p50.toFixed(3), x.p99.toFixed(3), `${signed(x.p99 - r.latency.raw.p99, 3)} ms`, x.max.toFixed(2)]);
  }
  lines.push("");

  lines.push("## Memory", "");
  lines.push(
    "Growth between a snapshot after warm-up cycles and one after the measured cycles, each taken after forced garbage collections. A cycle connects to a stream that sends one message and then holds, waits for that message, and disconnects. wasm linear memory never shrinks, so its growth is the high-water mark; the JS heap is `performance.memory.usedJSHeapSize` (precise). Listeners are counted by wrapping `EventTarget.prototype.addEventListener/removeEventListener` before any contender loads; EventSources alive are instances (tracked with `WeakRef`) not yet collected.",
    "",
  );
  header(
    ["cycles", "wasm growth", "JS heap growth", "listeners left attached", "EventSources alive after GC", "unreferenced services alive after GC", "time"],
    ["l", "r", "r", "r", "r", "r", "r"],
  );
  const memLabel = {
    rust: (n) => `${fmt(n)} × Rust \`SseService\` connect/disconnect (one service)`,
    js: (n) => `${fmt(n)} × JS \`new SSEService()\`, connect, disconnect, \`free()\``,
    "js-unreferenced": (n) => `${fmt(n)} × JS \`new SSEService().connect(…)\` kept by nobody, ending by itself (first message final)`,
    "rust-fetch": (n) => `${fmt(n)} × Rust \`SseService\` connect/disconnect, fetch transport`,
    "js-fetch": (n) => `${fmt(n)} × JS \`new SSEService()\`, connect (\`transport: "fetch"\`), disconnect, \`free()\``,
    raw: (n) => `${fmt(n)} × plain \`new EventSource\` / \`close()\` (baseline)`,
  };
  for (const [kind, m] of Object.entries(r.memory)) {
    row([
      memLabel[kind](m.cycles),
      kind === "raw" ? "–" : bytesText(m.wasmGrowth),
      bytesText(m.heapGrowth),
      String(m.listenersAttached),
      String(m.sourcesAlive),
      kind === "js-unreferenced" ? String(m.servicesAlive) : "–",
      `${(m.ms / 1000).toFixed(1)} s`,
    ]);
  }
  lines.push("");

  lines.push(...relayMarkdown(r.relay));

  lines.push("## Size", "");
  const z = r.sizes;
  if (z.vite?.connect) {
    lines.push(
      "What an app ships, as its bundler emits it: the apps of `tests/npm/apps/size/`, each built by Vite 7 for production with no configuration, every emitted file (JS, wasm, any asset; the page's own `index.html` left out) gzipped at level 9 and summed. The connect and stream apps POST an OpenAI-style chat request with headers and a JSON body and stream the answer until `[DONE]`; the subscribe app shares a GET stream; the last one is the connect app written with @microsoft/fetch-event-source. The npm tests check each app's ceiling on every run (`tests/npm/sizes.mjs`).",
      "",
    );
    header(["app", "gzipped, all emitted assets", "the hub in it"], ["l", "r", "l"]);
    const appNames = { connect: "wasm-sse, `connect()`", stream: "wasm-sse, `stream()`", subscribe: "wasm-sse, `SSEService.subscribe`", peer: "@microsoft/fetch-event-source" };
    for (const [app, m] of Object.entries(z.vite)) row([appNames[app] ?? app, `**${fmt(m.total)}**`, app === "peer" ? "–" : m.hub ? "yes" : "no"]);
    lines.push("");
  }
  lines.push(
    "The package's files, each gzipped alone (wasm after `wasm-opt -Oz`, JS minified), the JS peers bundled and minified with esbuild, and the two minimal Rust apps (a typed `{text, status}` stream logged to the console, closed on `status == 1`: `bench/size-wasm-sse` decodes with serde_json in wasm, `bench/size-gloo` with `JSON.parse` and serde-wasm-bindgen) as release builds (opt-level 3, LTO) through wasm-bindgen and `wasm-opt -Oz`, glue minified.",
    "",
  );
  header(["what", "wasm", "JS", "total gzipped"], ["l", "r", "r", "r"]);
  row(["wasm-sse npm package (its files)", fmt(z.package.wasm), fmt(z.package.glue), `**${fmt(z.package.total)}**`]);
  for (const [name, bytes] of Object.entries(z.peers)) row([`${name} (JS)`, "–", fmt(bytes), fmt(bytes)]);
  row(["raw EventSource", "–", "0", "0"]);
  for (const [name, app] of Object.entries(z.apps)) row([`minimal Rust app with ${name}`, fmt(app.wasm), fmt(app.glue), fmt(app.total)]);
  lines.push("");
  if (z.twiggy?.length) lines.push(...splitMarkdown(z.twiggy));

  const missed = r.targets.filter((t) => !t.met);
  if (Object.keys(r.profiles).length > 0) {
    lines.push("## CPU profiles", "");
    lines.push(
      `One extra throughput run per contender under Chromium's sampling profiler (DevTools protocol \`Profiler.start/stop\`, 100 µs interval); self time by function, idle excluded. The JS API is profiled in a build that keeps function names (\`wasm-opt -Oz -g\`, glue not minified), otherwise the same as the package.${missed.length ? "" : " No target was missed; kept for reference."}`,
      "",
    );
    for (const [key, prof] of Object.entries(r.profiles)) {
      const [name, size] = key.split("/");
      lines.push(
        `### ${LABELS[name]}, ${size} messages`,
        "",
        `Run: ${prof.ms.toFixed(0)} ms; main thread busy ${prof.busyMs.toFixed(0)} ms, idle ${prof.idleMs.toFixed(0)} ms.`,
        "",
      );
      header(["function", "where", "self ms", "share"], ["l", "l", "r", "r"]);
      for (const f of prof.top) row([`\`${f.function.replace(/\|/g, "\\|")}\``, f.where || "(native)", f.ms.toFixed(1), `${(f.share * 100).toFixed(1)} %`]);
      lines.push("");
    }
  }

  const notesPath = process.env.BENCH_NOTES;
  if (notesPath && existsSync(notesPath)) {
    lines.push(readFileSync(notesPath, "utf8").trim(), "");
  }
  if (r.problems.length) lines.push("## Problems", "", ...r.problems.map((x) => `- ${x}`), "");
  return lines.join("\n");
}

/**
 * Where the npm package's wasm goes: twiggy's items of the build that keeps names (the same
 * code as the shipped one), grouped by the module they belong to, raw bytes.
 */
function splitMarkdown(items) {
  const groups = new Map();
  let total = 0;
  for (const { name, shallow_size: bytes } of items) {
    if (name.includes("function names") || name.includes("names\" subsection")) continue;
    total += bytes;
    const ours = name.match(/wasm_sse::(\w+)(?:::(\w+))?/);
    const group = ours
      ? `wasm-sse: ${ours[1]}${["transport", "js"].includes(ours[1]) && ours[2] ? `::${ours[2]}` : ""}`
      : name.startsWith("data segment") ? "data (strings, tables)"
      : /shim|^(open|close|release|state|lastEventId|listen)$/.test(name) ? "exports (wasm-bindgen shims, and what they inline)"
      : /js_sys|wasm_bindgen|web_sys|externref|__wbg/.test(name) ? "wasm-bindgen, js-sys, web-sys"
      : /talc/.test(name) ? "allocator (talc)"
      : /core|alloc/.test(name) ? "core and alloc (Rc, RefCell, strings, UTF-8, formatting for panics)"
      : "other";
    groups.set(group, (groups.get(group) ?? 0) + bytes);
  }
  const lines = [
    "### Where the package's wasm goes",
    "",
    `twiggy's split of the npm package's module (${fmt(total)} B of code and data before compression; the shipped one is the same without its names), by where each item comes from. An export's shim holds what the optimizer inlined into it.`,
    "",
    "| from | bytes | share |",
    "|:--|--:|--:|",
  ];
  for (const [group, bytes] of [...groups].sort((a, b) => b[1] - a[1])) {
    lines.push(`| ${group} | ${fmt(bytes)} | ${((bytes / total) * 100).toFixed(1)} % |`);
  }
  lines.push("");
  return lines;
}

/** The POST chat section, as Markdown lines; none for results without it. */
function chatMarkdown(c, contenders) {
  if (!c) return [];
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(" | ")} |`);
  const peer = LABELS[c.fastestPeer];
  lines.push("## POST chat stream", "");
  lines.push(
    `A \`POST /bench/chat\` with a JSON body and \`Authorization\` and \`Content-Type\` headers, answered with an OpenAI-format chat completion stream as fast as the server writes it, one body chunk per token: ${fmt(c.tokens)} chunks \`data: {"id":…,"object":"chat.completion.chunk",…,"choices":[{"index":0,"delta":{"content":"w42 "},"finish_reason":null}]}\` (about 150 B each), then \`data: [DONE]\`, which ends the stream. Each contender parses every chunk's JSON, appends \`choices[0].delta.content\` to the answer and stops at \`[DONE]\`; the answer must be exactly the one sent. Time per stream is from the request to \`[DONE]\`; ${c.rounds > 1 ? `medians of ${c.rounds} runs after a warm-up, interleaved as above` : "one run"}. The fastest JS fetch-based peer here is ${peer}; CPU × peer is this contender's main-thread CPU per token over the peer's (below 1 is cheaper).`,
    "",
    "Only the contenders that read the stream with `fetch` can send a POST: the wasm-sse JS API with `transport: \"fetch\", method: \"POST\", headers, body, doneData: \"[DONE]\"`; the Rust API with `.method(\"POST\").header(…).body(…).done_data(\"[DONE]\")`, typed (`SseOptions::<Completion>::json()`, `Completion { choices: Vec<Choice> }` down to `delta.content: Option<String>`, as in the README's recipe) or untyped (`json_value()`, read through getters); the JS peers with the method, headers and body handed to `fetch`, the npm `eventsource` through its `fetch` option (a function adding them to its own request). Native `EventSource` (raw, the wasm-sse EventSource transport, gloo-net, reconnecting-eventsource) cannot send one.",
    "",
  );
  row(["contender", "tokens/s", "ms per stream", "main-thread CPU µs/token", "× fastest JS peer", "CPU × peer"]);
  lines.push("|---|---:|---:|---:|---:|---:|");
  for (const [name, x] of Object.entries(c.rates)) {
    row([contenders[name] ?? LABELS[name] ?? name, fmt(x.median), fmt(x.msPerStream, 1), fmt(x.cpuMicrosPerMessage, 1), x.ratio.toFixed(2), x.cpuRatio.toFixed(2)]);
  }
  lines.push("", "Per-run figures (tokens/s, main-thread ms) are in `bench/results.json`.", "");
  return lines;
}

/** A horizontal bar chart of throughput relative to raw, small and large messages. */
function chart(r) {
  const names = Object.keys(r.contenders);
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const left = 300;
  const plot = 420;
  const width = left + plot + 70;
  const bar = 13;
  const group = bar * 2 + 14;
  const top = 58;
  const height = top + names.length * group + 44;
  // The axis stops at 2×: a bar beyond it (fetch-event-source on small messages) is cut, marked
  // with a break, and labelled with its value.
  const max = Math.max(1.1, ...names.flatMap((n) => [r.throughput.small[n].ratio, r.throughput.large[n].ratio]));
  const axis = Math.min(2, Math.ceil(max * 4) / 4);
  const scale = plot / axis;
  const x = (v) => left + Math.min(v, axis) * scale;
  const colors = { small: "#3b6fb6", large: "#e08a2c" };
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">Throughput relative to raw EventSource (higher is better)</text>`);
  out.push(`<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">Chromium ${esc(r.browser.version)}, ${r.machine.cores} cores, ${r.date.slice(0, 10)}; medians of ${r.plan.throughputRounds.small} (small) and ${r.plan.throughputRounds.large} (large) runs</text>`);
  for (let v = 0; v <= axis + 1e-9; v += 0.25) {
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${height - 38}" stroke="${Math.abs(v - 1) < 1e-9 ? "#333" : "#ddd"}" stroke-width="1"${Math.abs(v - 1) < 1e-9 ? ' stroke-dasharray="4 3"' : ""}/>`);
    out.push(`<text x="${gx}" y="${height - 24}" text-anchor="middle" fill="#555">${v.toFixed(2)}×</text>`);
  }
  names.forEach((name, k) => {
    const y0 = top + k * group;
    out.push(`<text x="${left - 8}" y="${y0 + bar + 4}" text-anchor="end">${esc(r.contenders[name])}</text>`);
    ["small", "large"].forEach((size, j) => {
      const v = r.throughput[size][name].ratio;
      const y = y0 + j * bar;
      out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${bar - 2}" fill="${colors[size]}"/>`);
      if (v > axis) {
        const bx = (x(v) - 14).toFixed(1);
        out.push(`<path d="M${bx} ${y + bar} l5 ${-(bar + 2)} M${(x(v) - 9).toFixed(1)} ${y + bar} l5 ${-(bar + 2)}" stroke="#fff" stroke-width="2.5"/>`);
      }
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + bar - 3}" font-size="11">${v.toFixed(2)}</text>`);
    });
  });
  const ly = height - 10;
  const s = r.plan.small;
  const l = r.plan.large;
  out.push(`<rect x="${left}" y="${ly - 9}" width="10" height="10" fill="${colors.small}"/><text x="${left + 14}" y="${ly}">${fmt(s.count)} × ${s.bytes} B messages</text>`);
  out.push(`<rect x="${left + 190}" y="${ly - 9}" width="10" height="10" fill="${colors.large}"/><text x="${left + 204}" y="${ly}">${fmt(l.count)} × ${l.bytes / 1024} KB messages</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  log(`wrote ${relative(process.cwd(), path)}`);
}

const mdPath = env("BENCH_MD");
const svgPath = env("BENCH_SVG");
// BENCH_RENDER_ONLY (`cargo xtask bench --report`): rewrite the report and the chart from the
// JSON results of an earlier run, e.g. after editing bench/notes.md.
const renderOnly = Boolean(process.env.BENCH_RENDER_ONLY);
const results = renderOnly ? JSON.parse(readFileSync(env("BENCH_JSON"), "utf8")) : await main();
if (ONLY && !renderOnly) {
  // A partial run: its sections on stdout, no file written.
  log(["", ...chatMarkdown(results.chat, results.contenders), ...relayMarkdown(results.relay)].join("\n"));
  if (results.problems.length) {
    console.error(`bench: ${results.problems.length} problem(s):\n${results.problems.join("\n")}`);
    process.exit(1);
  }
  log(`bench: ${[...ONLY].join(", ")} completed with every message (${mode})`);
  process.exit(0);
}
if (!renderOnly) write(env("BENCH_JSON"), JSON.stringify(results, null, 2) + "\n");
write(svgPath, chart(results));
write(mdPath, markdown(results, relative(dirname(mdPath), svgPath)));
for (const t of results.targets) log(`${t.met ? "met   " : "MISSED"} ${t.what}: ${t.shown} (goal ${t.goal})`);
if (results.problems.length) {
  console.error(`bench: ${results.problems.length} problem(s):\n${results.problems.join("\n")}`);
  process.exit(1);
}
log(`bench: every contender completed with every message (${mode})`);
