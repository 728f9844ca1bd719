// The few JS functions the Rust core calls that no web API offers as they are: one module, so
// a page without a bundler makes one request for all of them (fetch.js and share/hub.js are
// the others).

// Calls a user callback; what it throws (a Rust panic traps as one) is logged and stops here,
// as the browser does for a throwing event listener (see guard.rs).
export function wasm_sse_guard(f) {
  try {
    f();
  } catch (e) {
    console.error("wasm-sse: a callback failed:", e);
  }
}

// The headers a HeadersInit stands for, as a canonical string (names lowercased, sorted).
export function header_key(headers) {
  try {
    return JSON.stringify([...new Headers(headers)]);
  } catch {
    return String(headers);
  }
}

// Whether the auto transport may use EventSource: the scope has it and is not a service worker
// (Chromium exposes EventSource there and Firefox does not; fetch is used in every one).
export function has_event_source() {
  return typeof EventSource === "function" && typeof ServiceWorkerGlobalScope === "undefined";
}

// The global scope's location (a page's or a worker's), to resolve a relative URL against; none
// in Node.
export function base_url() {
  return globalThis.location?.href;
}
