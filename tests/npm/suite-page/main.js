// The package straight from pkg/, as a browser loads it without a bundler (the server serves
// the repository root). The results go to window.__results for tests/npm/run.mjs.
import init, { SSEService } from "/pkg/index.js";
import { runSuite } from "../suite.js";
import { show } from "../show.js";

show(init, SSEService, runSuite);
