// The cross-tab relay benchmark (issue 13), a part of bench/run.mjs: several tabs (pages of one
// browser context, so one origin) subscribe to the same latency trickle (`/bench/trickle`,
// every message stamped with the server's clock) through the npm package's
// `SSEService.subscribe(url, { share, transport })`, each tab being bench/page/relay-tab.html.
//
// - `share: "tabs"`: tab 1 subscribes alone first, and the driver waits until the server has
//   seen its one request and the tab its first message: tab 1 holds the Web Lock, so it leads
//   (the API does not say which tab leads; this is how the driver knows from the outside). Then
//   the other tabs subscribe: they follow, and the server must still see one request.
// - `share: "page"`: each tab subscribes on its own (its own connection), as `new SSEService`
//   would; the baseline for both the latency and the connection count.
//
// Every page is loaded before any tab subscribes, so a tab whose stream Chromium queues (HTTP/1.1
// allows 6 connections per origin) does not also hold up the loading of the next page. After
// the subscriptions settle, the driver reads the server's count for the run (`/stats/{run}`:
// requests − disconnects = connections open), picks a window of `window` messages starting after
// the last message any tab has seen, waits until every receiving tab has seen its end, and reads
// each tab's records: the latency of each message of the window (server stamp → callback) and
// every index seen, which must run without a gap or a repeat.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each mode measures. */
export const RELAY_PLAN = {
  smoke: { tabs: [2], rounds: 1, window: 100, interval: 5, transports: ["eventsource", "fetch"] },
  full: { tabs: [1, 2, 4, 8], rounds: 3, window: 1000, interval: 5, transports: ["eventsource", "fetch"] },
};

const SHARES = ["tabs", "page"];
/** How far past the last message any tab has seen the window starts. */
const MARGIN = 5;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

const median = (values) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** p50, p99 and max in ms of latencies in µs (pooled over tabs). */
function spread(micros) {
  const sorted = Float64Array.from(micros).sort();
  const ms = (x) => x / 1000;
  return {
    count: sorted.length,
    p50: ms(percentile(sorted, 50)),
    p99: ms(percentile(sorted, 99)),
    max: ms(sorted.length ? sorted[sorted.length - 1] : NaN),
  };
}

/** The index of the first gap or repeat in `indices`, or -1. */
function firstBreak(indices) {
  for (let k = 1; k < indices.length; k += 1) {
    if (indices[k] !== indices[k - 1] + 1) return k;
  }
  return -1;
}

/** Resolves `promise`, or rejects after `ms` with `what`. */
async function limited(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the relay benchmark in `browser` against `server`; correctness failures go to
 * `problems`. Returns `{ plan, runs: { "<transport>/<share>/<tabs>": [run, …] } }`.
 */
export async function relayBench({ browser, server, mode, problems, log }) {
  const plan = RELAY_PLAN[mode === "smoke" ? "smoke" : "full"];
  const stats = async (run) => (await fetch(`${server}/stats/${run}`)).json();
  const runs = {};
  let serial = 0;

  /** One run: `tabs` tabs on `transport`, sharing as `share` says. */
  async function relayRun(transport, share, tabs, round) {
    const what = `relay ${transport} share=${share} ${tabs} tab(s) run ${round + 1}`;
    const run = `relay-${transport}-${share}-${tabs}-${(serial += 1)}-${Date.now()}`;
    const url = `/bench/trickle?count=1000000&interval=${plan.interval}&bytes=100&run=${run}`;
    const context = await browser.newContext();
    try {
      const pages = [];
      for (let k = 0; k < tabs; k += 1) {
        const page = await context.newPage();
        page.errors = [];
        page.on("pageerror", (error) => page.errors.push(String(error)));
        const response = await page.goto(`${server}/relay-tab.html`);
        if (response?.status() !== 200) throw new Error(`GET /relay-tab.html: ${response?.status()}`);
        await page.waitForFunction(() => globalThis.relay, null, { timeout: 60_000 });
        pages.push(page);
      }
      const subscribe = (page) => page.evaluate(([u, s, t]) => globalThis.relay.subscribe(u, s, t), [url, share, transport]);
      const count = (page) => page.evaluate(() => globalThis.relay.count());

      let leaderAlone = null;
      let rest = pages;
      if (share === "tabs") {
        // Tab 1 alone: it takes the lock and connects. Once the server has its request and the
        // tab its first message, it is the leader for the rest of the run.
        await subscribe(pages[0]);
        const deadline = Date.now() + 20_000;
        for (;;) {
          const seen = await stats(run);
          if (seen.requests >= 1 && (await count(pages[0])) > 0) {
            leaderAlone = seen.requests;
            break;
          }
          if (Date.now() > deadline) throw new Error(`${what}: tab 1 got no message`);
          await sleep(50);
        }
        rest = pages.slice(1);
      }
      for (const page of rest) await subscribe(page);

      // Settle: every tab has a message, or (Chromium queueing some streams) nothing changes.
      let seen = await stats(run);
      let counts = [];
      for (let stable = Date.now(), end = Date.now() + 20_000; Date.now() < end; ) {
        await sleep(100);
        counts = await Promise.all(pages.map(count));
        const now = await stats(run);
        if (now.requests !== seen.requests) stable = Date.now();
        seen = now;
        if (counts.every((c) => c > 0) || Date.now() - stable > 2000) break;
      }
      const receiving = pages.filter((_, k) => counts[k] > 0);
      const connections = seen.requests - seen.disconnects;

      const last = Math.max(...(await Promise.all(receiving.map((page) => page.evaluate(() => globalThis.relay.last())))));
      const from = last + MARGIN;
      const to = from + plan.window - 1;
      const waitMs = plan.window * plan.interval + 30_000;
      await limited(
        Promise.all(receiving.map((page) => page.evaluate((i) => globalThis.relay.until(i), to))),
        waitMs,
        `${what}: the window's last message`,
      );
      const final = await stats(run);
      const records = await Promise.all(pages.map((page) => page.evaluate(([a, b]) => globalThis.relay.records(a, b), [from, to])));

      // Correctness: one request when shared; every receiving tab saw every message of its
      // span once, in order, the whole window included.
      if (share === "tabs" && (leaderAlone !== 1 || final.requests !== 1)) {
        problems.push(`${what}: the server saw ${final.requests} requests (${leaderAlone} before the followers), not 1`);
      }
      if (share === "tabs" && receiving.length !== tabs) {
        problems.push(`${what}: only ${receiving.length} of ${tabs} tabs got events`);
      }
      if (final.requests > tabs) problems.push(`${what}: ${final.requests} requests for ${tabs} tabs`);
      records.forEach((r, k) => {
        if (counts[k] === 0) return;
        const name = share === "tabs" ? (k === 0 ? "the leader (tab 1)" : `follower tab ${k + 1}`) : `tab ${k + 1}`;
        const broken = firstBreak(r.indices);
        if (broken >= 0) {
          problems.push(`${what}: ${name} got ${r.indices[broken]} after ${r.indices[broken - 1]} (a ${r.indices[broken] > r.indices[broken - 1] ? "missed" : "repeated"} event)`);
        }
        if (r.latencies.length !== plan.window) {
          problems.push(`${what}: ${name} got ${r.latencies.length} of the window's ${plan.window} events`);
        }
        for (const error of r.errors) problems.push(`${what}: ${name}: onError ${error}`);
        for (const error of pages[k].errors) problems.push(`${what}: ${name}: page error ${error}`);
      });

      const pooled = (list) => spread(list.flatMap((r) => Array.from(r.latencies)));
      const receivingRecords = records.filter((_, k) => counts[k] > 0);
      const result = {
        tabs,
        receiving: receiving.length,
        requests: final.requests,
        connections,
        window: [from, to],
        visibility: [...new Set(records.map((r) => r.visibility))].join(","),
      };
      if (share === "tabs") {
        result.leader = pooled(records.slice(0, 1));
        if (tabs > 1) result.followers = pooled(records.slice(1));
      } else {
        result.own = pooled(receivingRecords);
      }
      const show = (name, x) => (x ? ` ${name} p50 ${x.p50.toFixed(3)} p99 ${x.p99.toFixed(3)} ms` : "");
      log(`${what}: ${connections} connection(s) open, ${receiving.length} tab(s) receiving;${show("leader", result.leader)}${show("followers", result.followers)}${show("own", result.own)}`);
      return result;
    } finally {
      await context.close();
      // Let the server see every stream of the run go before the next run starts.
      for (let end = Date.now() + 5000; Date.now() < end; await sleep(50)) {
        const seen = await stats(run);
        if (seen.disconnects >= seen.requests) break;
      }
    }
  }

  for (let round = 0; round < plan.rounds; round += 1) {
    for (const transport of plan.transports) {
      for (const share of SHARES) {
        for (const tabs of plan.tabs) {
          const key = `${transport}/${share}/${tabs}`;
          (runs[key] ??= []).push(await relayRun(transport, share, tabs, round));
        }
      }
    }
  }
  return { plan, runs: summarizeRelay(runs) };
}

/** Medians over the rounds of each run's figures. */
function summarizeRelay(runs) {
  const out = {};
  for (const [key, list] of Object.entries(runs)) {
    const latency = (part) =>
      list[0][part]
        ? {
            p50: median(list.map((r) => r[part].p50)),
            p99: median(list.map((r) => r[part].p99)),
            max: Math.max(...list.map((r) => r[part].max)),
          }
        : undefined;
    out[key] = {
      tabs: list[0].tabs,
      connections: median(list.map((r) => r.connections)),
      receiving: median(list.map((r) => r.receiving)),
      leader: latency("leader"),
      followers: latency("followers"),
      own: latency("own"),
      runs: list,
    };
  }
  return out;
}

/** The report's section, as Markdown lines; none for results without the relay benchmark. */
export function relayMarkdown(relay) {
  if (!relay) return [];
  const { plan, runs } = relay;
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(" | ")} |`);
  const header = (cells, align) => {
    row(cells);
    lines.push(`|${align.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`);
  };
  const TRANSPORT = { eventsource: "EventSource", fetch: "fetch" };
  const ms = (x) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(3));
  lines.push("## Cross-tab relay", "");
  lines.push(
    `Several tabs (pages of one browser context: one origin) subscribe to one latency trickle (a message every ${plan.interval} ms, 100 B, stamped with the server's clock when written) through the npm package's \`SSEService.subscribe(url, { share, transport })\`. With \`share: "tabs"\` one tab holds the connection and relays each event over a \`BroadcastChannel\`; the API does not say which tab leads, so the driver subscribes tab 1 alone, waits until the server has seen its request and the tab its first message, and only then subscribes the others (they follow; the server must still see exactly one request). With \`share: "page"\` every tab has its own connection, as with \`new SSEService()\`. Latency is from the server's stamp to the tab's \`onMessage\`, over a window of ${plan.window} messages that every tab receives, pooled over the tabs of a role; ${plan.rounds > 1 ? `medians over ${plan.rounds} runs of each run's p50 and p99` : "one run"}. \`bench/relay.mjs\` drives it; every tab must see every message of its span once and in order, or the benchmark fails.`,
    "",
  );
  const keys = Object.keys(runs);
  const tabCounts = [...new Set(keys.map((k) => runs[k].tabs))].sort((a, b) => a - b);
  lines.push("### Latency of an event (ms)", "");
  header(
    ["transport", "tabs", "own connection p50", "p99", "leader p50", "p99", "followers p50", "p99", "followers − leader, p50"],
    ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
  for (const transport of plan.transports) {
    for (const tabs of tabCounts) {
      const shared = runs[`${transport}/tabs/${tabs}`];
      const own = runs[`${transport}/page/${tabs}`];
      if (!shared && !own) continue;
      const leader = shared?.leader;
      const followers = shared?.followers;
      const delta = followers && leader ? `${followers.p50 - leader.p50 >= 0 ? "+" : "−"}${Math.abs(followers.p50 - leader.p50).toFixed(3)}` : "–";
      row([TRANSPORT[transport], String(tabs), ms(own?.own?.p50), ms(own?.own?.p99), ms(leader?.p50), ms(leader?.p99), ms(followers?.p50), ms(followers?.p99), delta]);
    }
  }
  lines.push(
    "",
    `"Own connection" is \`share: "page"\`, each tab on its own stream, pooled over the tabs that got one (see below); the leader is tab 1 of \`share: "tabs"\`, which posts each event to the channel before its own subscribers get it.`,
    "",
  );
  lines.push("### Connections the server sees", "");
  lines.push(
    'Streams of the run open at the server (requests − disconnects in its `/stats/{run}`) once the subscriptions have settled, and in parentheses the tabs receiving events when that is not all of them. Chromium allows 6 HTTP/1.1 connections per origin: beyond that, a tab\'s stream waits in Chromium\'s queue and the server never sees it (nor would a `fetch` of that origin from any tab get through).',
    "",
  );
  const columns = plan.transports.flatMap((t) => SHARES.map((s) => [t, s]));
  header(["tabs", ...columns.map(([t, s]) => `\`share: "${s}"\`, ${TRANSPORT[t]}`)], ["r", ...columns.map(() => "r")]);
  for (const tabs of tabCounts) {
    row([
      String(tabs),
      ...columns.map(([t, s]) => {
        const x = runs[`${t}/${s}/${tabs}`];
        if (!x) return "–";
        return x.receiving === tabs ? String(x.connections) : `${x.connections} (${x.receiving} of ${tabs} tabs receiving)`;
      }),
    ]);
  }
  lines.push("");
  return lines;
}
