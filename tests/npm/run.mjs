// The npm package's consumer tests, for `node --test` (run by `cargo xtask test`, which builds
// pkg/, packs it, installs the tarball into vite-app/ and builds the app first):
// - `npm pack --dry-run` in pkg/ lists only what a user needs;
// - tsc type-checks types/check.ts against pkg/wasm_sse.d.ts, which has no `any`;
// - the no-bundler page and the built Vite app run tests/npm/suite.js in headless Chromium,
//   against the SSE test server at $SSE_SERVER_URL (which serves the repository root).
// Each suite case is its own subtest, failing with the case's detail.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";

const run = promisify(execFile);
const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const pkg = here("../../pkg/");
const server = process.env.SSE_SERVER_URL?.replace(/\/$/, "");

/** What a user needs; npm always adds package.json and README.md. */
const SHIPPED = ["README.md", "package.json", "wasm_sse.d.ts", "wasm_sse.js", "wasm_sse_bg.wasm"];
/** Debian's Chromium, kept quiet: the network here is closed. */
const CHROMIUM = {
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
  ],
};
const SUITE_TIMEOUT_MS = 180_000;

test("npm pack --dry-run in pkg/ lists only what a user needs", async () => {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json"], { cwd: pkg });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path).sort();
  const snippets = files.filter((f) => f.startsWith("snippets/"));
  assert.deepEqual(files.filter((f) => !f.startsWith("snippets/")), SHIPPED);
  assert.ok(snippets.length > 0, "the inline JS snippets are shipped");
  assert.deepEqual(snippets.filter((f) => !f.endsWith(".js")), [], "only .js under snippets/");
});

test("tsc --noEmit type-checks types/check.ts against the .d.ts", async () => {
  const tsc = here("node_modules/.bin/tsc");
  const result = await run(tsc, ["--noEmit", "-p", here("types/tsconfig.json")]).catch((e) => e);
  assert.equal(result.code ?? 0, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});

test("pkg/wasm_sse.d.ts has no `any`", () => {
  // Comments are documentation, not types: drop them before looking.
  const dts = readFileSync(`${pkg}wasm_sse.d.ts`, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "");
  const lines = dts.split("\n").filter((line) => /\bany\b/.test(line)).map((l) => l.trim());
  assert.deepEqual(lines, [], "lines of the public surface typed `any`");
});

describe("in headless Chromium", { concurrency: false }, () => {
  let browser;

  before(async () => {
    assert.ok(server, "set SSE_SERVER_URL to the test server (serving the repository root)");
    browser = await chromium.launch(CHROMIUM);
  });

  after(async () => {
    await browser?.close();
  });

  /** Opens `path` on the server, waits for the suite, and makes each case a subtest. */
  async function suite(t, path) {
    // The server's pages carry `connect-src 'self'`, which would stop the CORS case's
    // cross-origin request before it reaches the server.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const uncaught = [];
    const consoleErrors = [];
    page.on("pageerror", (error) => uncaught.push(String(error?.stack ?? error)));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    let results;
    try {
      const response = await page.goto(`${server}${path}`);
      assert.equal(response?.status(), 200, `GET ${path}`);
      await page.waitForFunction(() => window.__results, null, { timeout: SUITE_TIMEOUT_MS });
      results = await page.evaluate(() => window.__results);
    } catch (error) {
      const seen = [...uncaught, ...consoleErrors].join("\n") || "nothing";
      throw new Error(`${path}: no results (${error.message}); the page reported: ${seen}`);
    } finally {
      await context.close();
    }
    for (const result of results) {
      await t.test(result.name, () => assert.ok(result.ok, result.detail));
    }
    await t.test("no uncaught exception in the page", () => assert.deepEqual(uncaught, []));
  }

  test("no-bundler page (<script type=\"module\"> importing /pkg/wasm_sse.js)", (t) =>
    suite(t, "/tests/npm/plain/index.html"));

  test("Vite app (the npm pack tarball, installed and built with no plugins)", async (t) => {
    const installed = here("vite-app/node_modules/wasm-sse/package.json");
    assert.ok(existsSync(installed), "wasm-sse is installed in vite-app (cargo xtask test does it)");
    const version = JSON.parse(readFileSync(`${pkg}package.json`, "utf8")).version;
    assert.equal(JSON.parse(readFileSync(installed, "utf8")).version, version, "installed version");
    assert.ok(existsSync(here("vite-app/dist/index.html")), "vite-app/dist is built");
    await suite(t, "/tests/npm/vite-app/dist/index.html");
  });
});
