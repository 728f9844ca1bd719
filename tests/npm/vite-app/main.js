// The package as an app gets it: installed from the npm tarball and bundled by Vite with no
// plugins (Vite turns the glue's `new URL("wasm_sse_bg.wasm", import.meta.url)` into an asset).
import init, { SSEService } from "wasm-sse";
import { runSuite } from "../suite.js";
import { show } from "../show.js";

show(init, SSEService, runSuite);
