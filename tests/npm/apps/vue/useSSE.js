// A Vue 3 composable over SSEService: what an app writes in a few lines (the package ships
// none). Reactive state, one connection per component, closed when the component unmounts.
import { onScopeDispose, shallowRef } from "vue";
import { SSEService } from "wasm-sse";

export function useSSE(url, options = {}) {
  const messages = shallowRef([]);
  const error = shallowRef(null);
  const closeReason = shallowRef(null);
  const sse = new SSEService();
  sse.connect(url, {
    ...options,
    onMessage: (data) => (messages.value = [...messages.value, data]),
    onComplete: () => (closeReason.value = "completed"),
    onError: (e) => {
      error.value = e;
      if (e.kind === "failed") closeReason.value = "failed";
    },
  });
  onScopeDispose(() => sse.free());
  return { messages, error, closeReason };
}
