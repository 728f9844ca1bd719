// A chat answer with connect(): POST, headers, a body, the [DONE] sentinel.
import { SSEService } from "wasm-sse";
import { chatRequest, chatUrl, report, reportError, token } from "../request.js";

let text = "";
let messages = 0;
const sse = new SSEService();
sse.connect(chatUrl, {
  ...chatRequest,
  doneData: "[DONE]",
  onMessage: (chunk) => {
    text += token(chunk);
    messages += 1;
  },
  onComplete: () => report({ text, messages, closeReason: sse.closeReason }),
  onError: reportError,
});
