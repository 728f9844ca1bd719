// One tab of the cross-tab relay benchmark (driven by bench/relay.mjs through `window.relay`).
//
// `relay.subscribe(url, share, transport)` subscribes to a `/bench/trickle` stream with the npm
// package's `SSEService.subscribe(url, { share, transport })`; every message
// (`{"i","t","status","pad"}`) is recorded as its index `i` and its latency in µs, from the
// server's stamp `t` to this callback. Nothing runs in the tab between messages: the driver
// waits with `relay.until(i)`, a promise, and reads the records once the window is over.

const { SSEService } = await import("/wasm-sse/index.js");

const timeOrigin = performance.timeOrigin;
const indices = [];
const latencies = [];
const errors = [];
/** Pending `until` calls: [index, resolve]. */
let waiters = [];
/** Kept here: a subscription the page drops could be collected, and collecting it unsubscribes. */
let subscription = null;

function received(data) {
  latencies.push((timeOrigin + performance.now()) * 1000 - data.t);
  indices.push(data.i);
  if (waiters.length > 0) {
    const due = waiters.filter(([index]) => data.i >= index);
    waiters = waiters.filter(([index]) => data.i < index);
    for (const [, resolve] of due) resolve(data.i);
  }
}

globalThis.relay = {
  subscribe(url, share, transport) {
    subscription = SSEService.subscribe(url, {
      share,
      transport,
      onMessage: received,
      onError: (error) => errors.push(`${error.kind}: ${error.message}`),
    });
  },
  /** Resolves once a message with index `index` or later has arrived. */
  until(index) {
    if (indices.length > 0 && indices[indices.length - 1] >= index) return Promise.resolve(indices.at(-1));
    return new Promise((resolve) => waiters.push([index, resolve]));
  },
  count: () => indices.length,
  last: () => (indices.length > 0 ? indices[indices.length - 1] : -1),
  /** Every index seen, and the latencies (µs) of the messages `from..=to`. */
  records(from, to) {
    const window = [];
    indices.forEach((i, k) => {
      if (i >= from && i <= to) window.push(latencies[k]);
    });
    return { indices, latencies: window, errors, visibility: document.visibilityState };
  },
  unsubscribe: () => subscription?.unsubscribe(),
};
document.getElementById("status").textContent = "ready";
