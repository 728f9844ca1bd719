// The npm package's consumer tests, for `node --test` (run by `cargo xtask test` and
// `cargo xtask test-npm`, which build pkg/, pack it and install the tarball into apps/ first):
// - `npm pack` lists only what a user needs, the .d.ts files have no `any`, and the main entry
//   loads nothing of React;
// - tsc --strict type-checks apps/types/ against the installed package under several tsconfigs;
// - Node 20: apps/node/chat.test.mjs, the installed package imported with no set-up;
// - the behaviour suite (suite.js on suite-page/, over pkg/) in each engine of $SUITE_BROWSERS
//   (default chromium,firefox,webkit): Chromium through playwright-core, Firefox ESR and WebKitGTK
//   through our WebDriver client (webdriver.mjs), which playwright-core cannot drive here;
// - in one headless Chromium (with `gc()` exposed): the liveness cases under forced collections
//   (liveness.js on liveness-page/, in a window and a worker), then every consumer app (apps/:
//   plain page, React + Vite, Vue + Vite, webpack; each bundled with no configuration, in dev and
//   in build) must stream the chat answer exactly once, over one request, with no console error.
//   Builds are served by the SSE test server at
//   $SSE_SERVER_URL (which serves the repository root, under its strict CSP).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { expectedAnswer, expectedCompletion } from "./apps/answer.mjs";
import { APPS, measureAll } from "./sizes.mjs";
import { viteBuild, viteDev, webpackBuild, webpackDev } from "./bundlers.mjs";
import { launch } from "./webdriver.mjs";

const run = promisify(execFile);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const pkg = here("../../pkg/");
const server = process.env.SSE_SERVER_URL?.replace(/\/$/, "");
const suiteBrowsers = (process.env.SUITE_BROWSERS ?? "chromium,firefox,webkit").split(",");
/**
 * The suite page, without its CSP: the CORS case needs a request to another origin, which the
 * server's `connect-src 'self'` would stop (see server/src/static_files.rs).
 */
const suitePage = () => `${server}/tests/npm/suite-page/index.html?csp=off`;

/** What a user needs; npm always adds package.json and README.md. */
const SHIPPED = [
  "LICENSE-APACHE", "LICENSE-MIT", "README.md", "index.d.ts", "index.js", "live.js", "options.js",
  "package.json", "react.d.ts", "react.js", "service.js", "sink.js", "subscription.js",
  "wasm_sse.js", "wasm_sse_bg.wasm.js",
];
/** Debian's Chromium, kept quiet (the network here is closed), with `gc()` for the liveness cases. */
const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--js-flags=--expose-gc",
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
};
const SUITE_TIMEOUT_MS = 180_000;
const CHAT_TIMEOUT_MS = 30_000;
/** After the answer, long enough for a second connection to reach the server, if one were made. */
const GRACE_MS = 400;

test("npm pack --dry-run in pkg/ lists only what a user needs", async () => {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: pkg });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path).sort();
  const snippets = files.filter((f) => f.startsWith("snippets/"));
  assert.deepEqual(files.filter((f) => !f.startsWith("snippets/")), SHIPPED);
  assert.ok(snippets.length > 0, "the inline JS snippets are shipped");
  assert.deepEqual(snippets.filter((f) => !f.endsWith(".js")), [], "only .js under snippets/");
});

test("the .d.ts files have no `any`", () => {
  for (const file of ["index.d.ts", "react.d.ts"]) {
    // Comments are documentation, not types: drop them before looking.
    const dts = readFileSync(`${pkg}${file}`, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    const lines = dts.split("\n").filter((line) => /\bany\b/.test(line)).map((l) => l.trim());
    assert.deepEqual(lines, [], `lines of ${file} typed \`any\``);
  }
});

test("the main entry loads nothing of React", () => {
  for (const file of ["index.js", "service.js", "subscription.js", "live.js", "options.js", "sink.js", "wasm_sse.js"]) {
    assert.doesNotMatch(readFileSync(`${pkg}${file}`, "utf8"), /react/i, file);
  }
});

describe("tsc --strict, skipLibCheck false: apps/types/ against the installed .d.ts", { concurrency: true }, () => {
  const tsc = here("node_modules/.bin/tsc");
  for (const config of ["es2020", "es2022", "init"]) {
    test(`tsconfig.${config}.json`, async () => {
      const result = await run(tsc, ["-p", here(`apps/types/tsconfig.${config}.json`)]).catch((e) => e);
      assert.equal(result.code ?? 0, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
    });
  }
});

test("Node 20: apps/node/chat.test.mjs", async (t) => {
  const result = await run("node", ["--test", "--test-reporter", "tap", "chat.test.mjs"], {
    cwd: here("apps/node"),
    // Without NODE_TEST_CONTEXT, which would make the inner runner report to this one, not as TAP.
    env: { ...withoutTestContext(process.env), SSE_SERVER_URL: server },
  }).catch((e) => e);
  // Its cases and their outcome (a skip says why), shown under this test.
  for (const line of String(result.stdout).split("\n").filter((l) => /^(not )?ok /.test(l))) {
    t.diagnostic(`apps/node: ${line.replace(/^(not )?ok \d+ - /, (_, not) => (not ? "FAIL " : ""))}`);
  }
  assert.equal(result.code ?? 0, 0, `node --test failed:\n${result.stdout}${result.stderr}`);
});

function withoutTestContext({ NODE_TEST_CONTEXT, ...env }) {
  return env;
}

/** The suite's results as subtests of `t`; a skipped case shows its reason. */
async function report(t, results) {
  for (const result of results) {
    if (result.skip) await t.test(result.name, { skip: result.skip });
    else await t.test(result.name, () => assert.ok(result.ok, result.detail));
  }
}

// Firefox and WebKit side by side: each suite spends most of its time waiting on the server.
describe("behaviour suite over WebDriver", { concurrency: true }, () => {
  for (const engine of ["firefox", "webkit"].filter((name) => suiteBrowsers.includes(name))) {
    test(`in ${engine} (suite-page/, a <script type="module"> importing /pkg/index.js)`, async (t) => {
      assert.ok(server, "set SSE_SERVER_URL to the test server (serving the repository root)");
      const session = await launch(engine);
      let results;
      try {
        await session.navigate(suitePage());
        results = await session.waitFor("window.__results", SUITE_TIMEOUT_MS);
      } catch (error) {
        // WebDriver reports no page errors: importing the package again shows why it failed.
        const why = await session
          .execute('return import("/pkg/index.js").then(() => "it imports", (e) => String(e));')
          .catch((e) => e.message);
        throw new Error(`no results (${error.message}); importing /pkg/index.js: ${why}`);
      } finally {
        await session.quit();
      }
      await report(t, results);
    });
  }
});

describe("in headless Chromium", { concurrency: false }, () => {
  let browser;
  let expected;

  before(async () => {
    assert.ok(server, "set SSE_SERVER_URL to the test server (serving the repository root)");
    browser = await chromium.launch(CHROMIUM);
    expected = await expectedAnswer(server);
  });

  after(async () => {
    await browser?.close();
  });

  /** A page in a fresh context, recording uncaught exceptions and console errors. */
  async function open(options = {}) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (error) => problems.push(`uncaught: ${error?.stack ?? error}`));
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push(`console.error: ${message.text()} (${message.location().url})`);
      }
    });
    return { page, problems, close: () => context.close() };
  }

  /**
   * Opens `url`, a page that publishes `window.__results` (`[{ name, ok, detail, skip }]`); each
   * is a subtest. With `quiet`, the library must not have logged anything (no callback threw).
   */
  async function pageResults(t, url, { quiet = false } = {}) {
    const { page, problems, close } = await open();
    let results;
    try {
      const response = await page.goto(url);
      assert.equal(response?.status(), 200);
      await page.waitForFunction(() => window.__results, null, { timeout: SUITE_TIMEOUT_MS });
      results = await page.evaluate(() => window.__results);
    } catch (error) {
      throw new Error(`no results (${error.message}); the page reported: ${problems.join("\n") || "nothing"}`);
    } finally {
      await close();
    }
    await report(t, results);
    if (quiet) {
      await t.test("nothing logged by wasm-sse", () =>
        assert.deepEqual(problems.filter((p) => p.includes("wasm-sse")), []));
    }
  }

  test("behaviour suite (suite-page/, a <script type=\"module\"> importing /pkg/index.js)", { skip: !suiteBrowsers.includes("chromium") }, (t) =>
    pageResults(t, suitePage()));

  test("an engine without what the package needs: import \"wasm-sse\" fails with an Error naming it (engine-page/)", async (t) => {
    for (const hide of ["decompression", "simd", "reference-types"]) {
      await pageResults(t, `${server}/tests/npm/engine-page/index.html?hide=${hide}`);
    }
  });

  test("liveness: unreferenced streams under forced GC (liveness-page/, window and worker)", (t) =>
    pageResults(t, `${server}/tests/npm/liveness-page/index.html`, { quiet: true }));

  /**
   * Opens the app at `url` (with the server and a fresh run id in the query), waits for its
   * outcome, and checks it: the whole `answer` once, its `closeReason`, one request, no console
   * error.
   */
  async function chat(url, options = {}) {
    const { answer = expected } = options;
    const closeReason = "closeReason" in options ? options.closeReason : "completed";
    const run = `app-${Math.random().toString(36).slice(2)}`;
    const { page, problems, close } = await open();
    let outcome;
    try {
      const response = await page.goto(`${url}?sse=${encodeURIComponent(server)}&run=${run}`);
      assert.equal(response?.status(), 200, `GET ${url}`);
      await page.waitForFunction(() => window.__chat, null, { timeout: CHAT_TIMEOUT_MS });
      outcome = await page.evaluate(() => window.__chat);
      await page.waitForTimeout(GRACE_MS);
    } catch (error) {
      throw new Error(`${url}: no outcome (${error.message}); the page reported: ${problems.join("\n") || "nothing"}`);
    } finally {
      await close();
    }
    assert.equal(outcome.error, undefined, "the app's error");
    assert.deepEqual({ text: outcome.text, messages: outcome.messages }, answer, "the answer, exactly once");
    assert.equal(outcome.closeReason, closeReason, "closeReason");
    const stats = await (await fetch(`${server}/stats/${run}`)).json();
    assert.equal(stats.requests, 1, "requests the server saw");
    assert.deepEqual(problems, [], "console errors and uncaught exceptions");
  }

  /** The useSSE cases of apps/vite-react (?case=hook), each a subtest. */
  async function hookCases(t, url) {
    const { page, problems, close } = await open();
    let results;
    try {
      const run = `hook-${Math.random().toString(36).slice(2)}`;
      await page.goto(`${url}?case=hook&sse=${encodeURIComponent(server)}&run=${run}`);
      await page.waitForFunction(() => window.__hook, null, { timeout: SUITE_TIMEOUT_MS });
      results = await page.evaluate(() => window.__hook);
    } catch (error) {
      throw new Error(`${url}: no results (${error.message}); the page reported: ${problems.join("\n") || "nothing"}`);
    } finally {
      await close();
    }
    for (const result of results) {
      await t.test(result.name, () => assert.ok(result.ok, result.detail));
    }
    await t.test("no console error", () => assert.deepEqual(problems, []));
  }

  const built = (app, path) => `${server}/tests/npm/apps/${app}/${path}`;

  test("plain <script type=\"module\"> page (no bundler)", () => chat(built("plain", "index.html")));

  for (const [app, title] of [
    ["vite-react", "React 19 + StrictMode + useSSE"],
    ["vue", "Vue 3 + a composable"],
  ]) {
    test(`Vite 7 dev server: ${title}`, async (t) => {
      const dev = await viteDev(here(`apps/${app}`));
      try {
        await chat(dev.url);
        if (app === "vite-react") await hookCases(t, dev.url);
      } finally {
        await dev.close();
      }
    });
    test(`Vite 7 build: ${title}`, async (t) => {
      await viteBuild(here(`apps/${app}`));
      await chat(built(app, "dist/index.html"));
      if (app === "vite-react") await hookCases(t, built(app, "dist/index.html"));
    });
  }

  test("what apps ship: Vite 7 production builds of apps/size/ (connect, stream, subscribe, and @microsoft/fetch-event-source), each streaming its answer, within its ceiling", async (t) => {
    const { sizes, problems } = await measureAll();
    mkdirSync(here("../../target/npm"), { recursive: true });
    writeFileSync(here("../../target/npm/sizes.json"), JSON.stringify(sizes, null, 2));
    for (const [app, { total }] of Object.entries(sizes)) t.diagnostic(`${app}: ${total} B gzipped`);
    const completion = await expectedCompletion(server);
    for (const app of APPS) {
      const answer = app === "subscribe" ? expected : completion;
      // The peer has no closeReason to report.
      const closeReason = app === "peer" ? undefined : "completed";
      await t.test(app, () => chat(built(`size/${app}`, "dist/index.html"), { answer, closeReason }));
    }
    assert.deepEqual(problems, [], "every app within its ceiling");
  });

  test("webpack 5 dev server", async () => {
    const dev = await webpackDev(here("apps/webpack"));
    try {
      await chat(`${dev.url}index.html`);
    } finally {
      await dev.close();
    }
  });

  test("webpack 5 build", async () => {
    await webpackBuild(here("apps/webpack"));
    await chat(built("webpack", "index.html"));
  });
});
