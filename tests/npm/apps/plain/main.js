// No bundler: the browser loads the installed package's files as they are (served from
// node_modules by the test server), under the server's strict CSP.
import { SSEService } from "../node_modules/wasm-sse/index.js";
import { chatUrl, isFinal, report, reportError } from "../chat.js";

const sse = new SSEService();
const chunks = [];
sse.connect(chatUrl, {
  isFinal,
  onMessage: (chunk) => chunks.push(chunk.text),
  onComplete: () => report({ text: chunks.join(""), messages: chunks.length, closeReason: sse.closeReason }),
  onError: reportError,
});
