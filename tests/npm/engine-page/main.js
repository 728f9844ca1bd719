// An older engine, played by this one: ?hide= removes what the package needs (`decompression`:
// DecompressionStream; `simd`, `reference-types`: WebAssembly.validate refuses modules with a
// SIMD opcode, or with the externref type), then the page imports the package. Importing must
// fail with an Error that names what is missing, never a CompileError. window.__results for
// tests/npm/run.mjs.
import { publish } from "../show.js";

const hide = new URLSearchParams(location.search).get("hide");
const validate = WebAssembly.validate;
const refusing = (byte) => (bytes) => !new Uint8Array(bytes).includes(byte) && validate(bytes);
if (hide === "decompression") delete globalThis.DecompressionStream;
if (hide === "simd") WebAssembly.validate = refusing(0xfd);
if (hide === "reference-types") WebAssembly.validate = refusing(0x6f);

const expected = { decompression: "DecompressionStream", simd: "WebAssembly SIMD", "reference-types": "WebAssembly reference types" }[hide];
let result;
try {
  await import("/pkg/index.js");
  result = { ok: false, detail: "the import succeeded" };
} catch (error) {
  const named = error instanceof Error && !(error instanceof WebAssembly.CompileError) && error.message.includes(`needs ${expected}`);
  result = { ok: named, detail: `${error?.constructor?.name}: ${error?.message}` };
}
publish([{ name: `without ${expected}: import "wasm-sse" throws an Error naming it`, ...result }]);
