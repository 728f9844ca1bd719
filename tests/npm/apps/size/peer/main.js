// The connect app with the JS client people pick, @microsoft/fetch-event-source.
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { chatRequest, chatUrl, report, reportError, token } from "../request.js";

let text = "";
let messages = 0;
const controller = new AbortController();
fetchEventSource(chatUrl, {
  ...chatRequest,
  signal: controller.signal,
  openWhenHidden: true,
  onmessage: (event) => {
    if (event.data === "[DONE]") {
      controller.abort();
      return report({ text, messages });
    }
    text += token(JSON.parse(event.data));
    messages += 1;
  },
  onerror: (error) => {
    reportError(error);
    throw error;
  },
}).catch(reportError);
