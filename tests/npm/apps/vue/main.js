// Vue 3 with a small composable over SSEService (useSSE.js), bundled by Vite with no
// configuration (dev server and build). Render functions: no compiler plugin needed.
import { createApp, h, watch } from "vue";
import { useSSE } from "./useSSE.js";
import { chatUrl, isFinal, report } from "../chat.js";

const Chat = {
  setup() {
    const { messages, error, closeReason } = useSSE(chatUrl, { isFinal });
    const text = () => messages.value.map((chunk) => chunk.text).join("");
    watch([closeReason, error], () => {
      if (error.value) report({ error: String(error.value.stack ?? error.value) });
      else if (closeReason.value) {
        report({ text: text(), messages: messages.value.length, closeReason: closeReason.value });
      }
    });
    return () => h("p", { id: "answer" }, text());
  },
};

createApp(Chat).mount("#app");
