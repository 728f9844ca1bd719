// Tabs sharing one stream (SSEService.subscribe with share: "tabs"), in headless Chromium with
// playwright-core: each tab is page/index.html, which imports the built package (/pkg/index.js)
// from the SSE test server at $SSE_SERVER_URL (started with --static <repository root>).
// Run: SSE_SERVER_URL=http://127.0.0.1:PORT node --test tests/tabs/tabs.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(new URL("../npm/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const server = process.env.SSE_SERVER_URL?.replace(/\/$/, "");
const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
};

let browser;
before(async () => {
  assert.ok(server, "SSE_SERVER_URL names the test server (started with --static <repo root>)");
  browser = await chromium.launch(CHROMIUM);
});
after(async () => {
  await browser?.close();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const stats = async (run) => (await fetch(`${server}/stats/${run}`)).json();

async function until(what, check, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Opens a tab on the stream of `run`; resolves once it has subscribed. */
async function openTab(context, run, extra = "", pace = "&pace=100") {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  const stream = encodeURIComponent(`/sse/numbered?run=${run}&count=1000000${pace}`);
  await page.goto(`${server}/tests/tabs/page/index.html?stream=${stream}${extra}`);
  await until("the tab to subscribe", () => page.evaluate(() => window.__tab?.ready === true));
  page.errors = errors;
  return page;
}

const tabState = (page) => page.evaluate(() => ({ ids: window.__tab.ids, log: window.__tab.log }));

/** No gap, no repeat: each id is one more than the one before. */
function assertGapless(ids, name) {
  assert.ok(ids.length > 0, `${name} got events`);
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] !== ids[i - 1] + 1) {
      assert.fail(`${name}: id ${ids[i]} after ${ids[i - 1]} (at ${i} of ${ids.length})`);
    }
  }
}

test("three tabs share one request; closing the leader hands over without loss or repeat", async () => {
  const run = `tabs-${Date.now()}`;
  const context = await browser.newContext();
  try {
    const leader = await openTab(context, run);
    await until("the leader's events", async () => (await tabState(leader)).ids.length > 0);
    const followers = [await openTab(context, run), await openTab(context, run)];
    for (const tab of followers) {
      await until("a follower's events", async () => (await tabState(tab)).ids.length > 100);
    }
    await sleep(500);
    assert.equal((await stats(run)).requests, 1, "three tabs, one request");
    for (const tab of followers) {
      const { log, ids } = await tabState(tab);
      assert.deepEqual(log, ["open"], "a follower sees the stream open");
      assertGapless(ids, "follower");
    }

    await leader.close();
    const handedOver = await until("the new leader's request", async () => {
      const seen = await stats(run);
      return seen.requests >= 2 && seen;
    });
    const resumedFrom = Number(handedOver.last_event_ids[1]);
    assert.ok(resumedFrom > 0, `the new request carries Last-Event-ID (${handedOver.last_event_ids})`);
    for (const tab of followers) {
      await until("events after the hand-over", async () =>
        (await tabState(tab)).ids.at(-1) > resumedFrom + 200);
    }
    await sleep(500);
    const seen = await stats(run);
    assert.equal(seen.requests, 2, "exactly one new request");
    assert.equal(seen.disconnects, 1, "the old leader's connection went away");
    for (const [index, tab] of followers.entries()) {
      const { ids, log } = await tabState(tab);
      assertGapless(ids, `tab ${index + 2}`);
      assert.ok(ids.includes(resumedFrom) && ids.includes(resumedFrom + 1),
        `tab ${index + 2} got ${resumedFrom} before and ${resumedFrom + 1} after the hand-over`);
      assert.deepEqual(log, ["open", `reconnecting ${resumedFrom}`, "open"],
        "reconnecting while the new leader connects, never closed");
      assert.equal(await tab.evaluate(() => window.__tab.subscription.readyState), 1);
      assert.deepEqual(tab.errors, []);
    }
    await followers[0].evaluate(() => window.__tab.subscription.unsubscribe());
    await followers[1].evaluate(() => window.__tab.subscription.unsubscribe());
    // Tab 3 may take the lock (and connect) between the two: whatever it opened is closed too.
    await until("every connection to close", async () => {
      const seen = await stats(run);
      return seen.disconnects === seen.requests;
    });
    assert.ok((await stats(run)).requests <= 3);
  } finally {
    await context.close();
  }
});

test("replayLast in a new tab, a follower tab and the leader tab: the last message first, within milliseconds, then every one once", async () => {
  const run = `tabs-replay-${Date.now()}`;
  const context = await browser.newContext();
  // Batches of 50 events, 300 ms apart: a replay comes long before the next batch.
  const pace = "&pace=300";
  try {
    const leader = await openTab(context, run, "", pace);
    const follower = await openTab(context, run, "", pace);
    await until("events in both tabs", async () =>
      (await tabState(leader)).ids.length > 50 && (await tabState(follower)).ids.length > 50);
    const newcomer = await openTab(context, run, "&replay", pace);
    const again = [leader, follower].map((tab) => tab.evaluate(() => window.__join(true)));
    const [inLeader, inFollower] = await Promise.all(again);
    const records = [
      ["a new tab", newcomer, () => window.__tab],
      ["the leader tab", leader, (i) => window.__tab.more[i], inLeader],
      ["a follower tab", follower, (i) => window.__tab.more[i], inFollower],
    ];
    for (const [name, tab, pick, index] of records) {
      await until(`${name}: events after the replay`, async () =>
        (await tab.evaluate(pick, index)).ids.length > 60);
      const { ids, joinedAt, firstAt, log } = await tab.evaluate(pick, index);
      const leaderIds = (await tabState(leader)).ids;
      assert.ok(leaderIds.includes(ids[0]), `${name}: its first message (${ids[0]}) is one the stream sent`);
      assert.ok(firstAt - joinedAt < 100, `${name}: the last message came ${firstAt - joinedAt} ms after joining`);
      assert.ok(ids[1] - ids[0] === 1 && ids[0] % 50 === 0, `${name}: the replayed one ends a batch, the next follows it (${ids.slice(0, 3)})`);
      assertGapless(ids, name);
      assert.deepEqual(log, ["open"], `${name}: opened once`);
    }
    assert.equal((await stats(run)).requests, 1, "one request for every tab and subscription");
  } finally {
    await context.close();
  }
});

test("without BroadcastChannel each tab has its own connection", async () => {
  const run = `tabs-nobc-${Date.now()}`;
  const context = await browser.newContext();
  try {
    const tabs = [];
    for (let i = 0; i < 3; i++) tabs.push(await openTab(context, run, "&nobc"));
    for (const tab of tabs) {
      await until("events", async () => (await tabState(tab)).ids.length > 50);
    }
    assert.equal((await stats(run)).requests, 3, "a connection per tab");
    for (const tab of tabs) {
      const { ids, log } = await tabState(tab);
      assert.equal(ids[0], 1);
      assertGapless(ids, "tab");
      assert.deepEqual(log, ["open"]);
    }
  } finally {
    await context.close();
  }
});
