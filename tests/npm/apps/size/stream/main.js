// A chat answer with stream(): POST, headers, a body, the [DONE] sentinel.
import { SSEService } from "wasm-sse";
import { chatRequest, chatUrl, report, reportError, token } from "../request.js";

try {
  let text = "";
  let messages = 0;
  const sse = new SSEService();
  for await (const chunk of sse.stream(chatUrl, { ...chatRequest, doneData: "[DONE]" })) {
    text += token(chunk);
    messages += 1;
  }
  report({ text, messages, closeReason: sse.closeReason });
} catch (error) {
  reportError(error);
}
