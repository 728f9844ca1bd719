// The liveness cases (../liveness.js) in this window, then in a dedicated module worker; the
// results go to window.__results for tests/npm/run.mjs. The package comes straight from pkg/.
import { SSEService } from "/pkg/index.js";
import { runLiveness } from "../liveness.js";
import { publish } from "../show.js";

function inWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) =>
      resolve([{ name: "worker", ok: false, detail: event.message ?? "the worker failed to load" }]);
  });
}

let results;
try {
  results = [...(await runLiveness(SSEService, location.origin, "window")), ...(await inWorker())];
} catch (error) {
  results = [{ name: "load and run the cases", ok: false, detail: String(error?.stack ?? error) }];
}
publish(results);
