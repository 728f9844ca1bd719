// webpack 5 with no configuration file (its default entry src/index.js, output dist/main.js),
// dev server and production build; stream() in a for-await loop, typed data unchecked here.
import { SSEService, isSSEError } from "wasm-sse";
import { chatUrl, isFinal, report, reportError } from "../../chat.js";

async function main() {
  const sse = new SSEService();
  let text = "";
  let messages = 0;
  for await (const chunk of sse.stream(chatUrl, { isFinal })) {
    text += chunk.text;
    messages += 1;
  }
  report({ text, messages, closeReason: sse.closeReason });
  sse.free();
}

main().catch((error) => reportError(isSSEError(error) ? `${error.kind}: ${error.message}` : error));
