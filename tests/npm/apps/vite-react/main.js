// React 19 under StrictMode with useSSE from "wasm-sse/react", bundled by Vite with no
// configuration (dev server and build). StrictMode mounts the component twice: the answer
// must still arrive once, over one request. With ?case=hook: the hook's cases (hook-cases.js).
import { StrictMode, createElement as h, useEffect } from "react";
import { createRoot } from "react-dom/client";
import { useSSE } from "wasm-sse/react";
import { chatUrl, isFinal, report } from "../chat.js";

function Chat() {
  const { messages, closeReason, error } = useSSE(chatUrl, { keepMessages: true, isFinal });
  const text = messages.map((chunk) => chunk.text).join("");
  useEffect(() => {
    if (error) report({ error: String(error.stack ?? error) });
    else if (closeReason) report({ text, messages: messages.length, closeReason });
  }, [closeReason, error]);
  return h("p", { id: "answer" }, text);
}

if (new URLSearchParams(location.search).get("case") === "hook") {
  import("./hook-cases.js").then(({ runHookCases }) => runHookCases());
} else {
  createRoot(document.getElementById("root")).render(h(StrictMode, null, h(Chat)));
}
