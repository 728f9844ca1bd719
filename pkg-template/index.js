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

// Two tiny modules, each valid only where the engine has a WebAssembly feature the package's
// module needs: SIMD (a function returning `v128.const 0`) and reference types (one returning
// `ref.null extern`).
const SIMD = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11];
const REFERENCE_TYPES = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 111, 3, 2, 1, 0, 10, 6, 1, 4, 0, 208, 111, 11];

/**
 * What this engine lacks of what the package needs, named as the README's compatibility table
 * does, or `undefined`: an older engine gets that, not a cryptic CompileError.
 */
function missing() {
  const wasm = (bytes) => WebAssembly.validate(new Uint8Array(bytes));
  if (typeof WebAssembly !== "object") return "WebAssembly";
  if (!wasm(SIMD)) return "WebAssembly SIMD (Chrome 91, Firefox 89, Safari 16.4, Node 16.4)";
  if (!wasm(REFERENCE_TYPES)) return "WebAssembly reference types (Chrome 96, Firefox 79, Safari 15, Node 17)";
  if (typeof DecompressionStream !== "function") {
    return "DecompressionStream (Chrome 80, Firefox 113, Safari 16.4, Node 18)";
  }
}

/** The wasm's bytes: base64-decoded, then inflated by the platform (no JS inflater shipped). */
function inflate() {
  const bytes = Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const wasm = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Response(wasm).arrayBuffer();
}

/** Instantiates the wasm once; every later call returns the same promise (a failure can be retried). */
export default function init() {
  const lacking = missing();
  if (lacking) return Promise.reject(new Error(`wasm-sse needs ${lacking}, which this engine lacks`));
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
