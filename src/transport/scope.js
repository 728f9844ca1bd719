// What the global scope (a page, a worker, a service worker, Node) offers the transports: a
// few lines here instead of wasm-bindgen's search for the global object.

// Whether the auto transport may use EventSource: the scope has it and is not a service worker
// (Chromium exposes EventSource there and Firefox does not; fetch is used in every one).
export function has_event_source() {
  return typeof EventSource === "function" && typeof ServiceWorkerGlobalScope === "undefined";
}

// The scope's location, to resolve a relative URL against; none in Node.
export function base_url() {
  return globalThis.location?.href;
}
