// A shared stream with SSEService.subscribe (GET only: sharing refuses a POST).
import { SSEService } from "wasm-sse";
import { report, reportError, sharedUrl } from "../request.js";

let text = "";
let messages = 0;
const subscription = SSEService.subscribe(sharedUrl, {
  isFinal: (chunk) => chunk.status === 1,
  onMessage: (chunk) => {
    text += chunk.text;
    messages += 1;
  },
  onComplete: () => report({ text, messages, closeReason: subscription.closeReason }),
  onError: reportError,
});
