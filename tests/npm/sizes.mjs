// What an app ships for wasm-sse, as a user's bundler emits it: the apps of apps/size/ (a POST
// chat with connect(), the same with stream(), a shared stream with SSEService.subscribe, and
// the connect app written with @microsoft/fetch-event-source), each built by Vite 7 for
// production with no configuration. An app's size is the sum of its emitted files (JS, wasm,
// any asset; the page's own index.html left out), each gzipped at level 9.
//
// The ceilings hold today's figures, so they cannot creep back; the goals are issue 19's.

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { viteBuild } from "./bundlers.mjs";

export const APPS = ["connect", "stream", "subscribe", "peer"];

/**
 * Bytes, gzipped at level 9, an app may not outgrow (`peer` is not ours: no ceiling): today's
 * figures and a little room, so the package grows only by a commit that raises them.
 */
export const CEILINGS = { connect: 43_500, stream: 43_500, subscribe: 43_500 };

/** Issue 19's goals: the connect and stream apps, and what subscribe may add to connect. */
export const GOALS = { app: 25_600, sharing: 12_288 };

export const appDir = (app) => fileURLToPath(new URL(`apps/size/${app}/`, import.meta.url));

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Builds `app` and measures what it emitted: `{ total, files: { name: bytes }, hub }`, `hub`
 * telling whether the shared streams' hub (its tab election, `locks.request`) is in it.
 */
export async function measure(app) {
  const root = appDir(app);
  await viteBuild(root);
  const dist = join(root, "dist");
  const files = {};
  let hub = false;
  for (const path of filesUnder(dist).filter((p) => !p.endsWith("index.html"))) {
    const bytes = readFileSync(path);
    files[path.slice(dist.length + 1)] = gzipSync(bytes, { level: 9 }).length;
    hub ||= bytes.includes("locks.request");
  }
  const total = Object.values(files).reduce((sum, bytes) => sum + bytes, 0);
  return { total, files, hub };
}

/** Every app's measure, and the checks of the ceilings: `{ sizes, problems }`. */
export async function measureAll() {
  const sizes = {};
  for (const app of APPS) sizes[app] = await measure(app);
  const problems = Object.entries(CEILINGS)
    .filter(([app, ceiling]) => sizes[app].total > ceiling)
    .map(([app, ceiling]) => `the ${app} app ships ${sizes[app].total} B gzipped, over its ${ceiling} B ceiling (tests/npm/sizes.mjs)`);
  const sharing = sizes.subscribe.total - sizes.connect.total;
  if (sharing > GOALS.sharing) problems.push(`sharing costs ${sharing} B over connect(), more than ${GOALS.sharing} B`);
  return { sizes, problems };
}

// `node tests/npm/sizes.mjs <out.json>` (cargo xtask bench): every app's measure, as JSON.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { sizes } = await measureAll();
  writeFileSync(process.argv[2], JSON.stringify(sizes, null, 2));
}
