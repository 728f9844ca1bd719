// The package's entry. The wasm ships inside a JS module (wasm_sse_bg.wasm.js: base64 of its
// zlib compression), so no bundler, dev server or runtime has to locate a .wasm file: this
// works unchanged in Vite (dev and build), webpack, a plain <script type="module"> and Node.
// The top-level await makes the wasm ready before any importer runs, so the exports work as
// soon as they are imported; init() stays exported, idempotent and cheap.
import initGlue from "./wasm_sse.js";
import packed from "./wasm_sse_bg.wasm.js";

export { SSEService, SseStreamIterator } from "./service.js";
export { SSESubscription } from "./subscription.js";
export { isSSEError } from "./sink.js";

let ready;

/** The wasm's bytes: base64-decoded, then inflated by the platform (no JS inflater shipped). */
function inflate() {
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const wasm = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(wasm).arrayBuffer();
}

/** Instantiates the wasm once; every later call returns the same promise (a failure can be retried). */
export default function init() {
  ready ??= initGlue({ module_or_path: inflate() }).then(
    () => {},
    (error) => {
      ready = undefined;
      throw error;
    },
  );
  return ready;
}

await init();
