// The liveness cases in a dedicated worker: the results are posted to the page.
import { SSEService } from "/pkg/index.js";
import { runLiveness } from "../liveness.js";

postMessage(await runLiveness(SSEService, location.origin, "worker"));
