// `wasm-sse/react`: the useSSE hook. React is an optional peer dependency; the main entry
// never imports this file.
//
// StrictMode: React mounts, unmounts and mounts again at once in development. The connection
// opens a microtask after the effect, so the discarded first mount never sends a request; the
// state updaters are pure, so a doubled updater never doubles a message. Callbacks are read
// from a ref at call time: a new inline callback on each render does not reconnect.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { SSEService } from "./index.js";

/** The options' callbacks, called through the latest options rather than those of the connect. */
const CALLBACKS = ["onOpen", "onMessage", "onComplete", "onError", "onReconnecting"];

// useLayoutEffect in a browser (the latest callbacks are in place before any event can arrive);
// on a server, where no effect runs, useEffect, which React does not warn about.
const useLatestEffect = typeof document === "undefined" ? useEffect : useLayoutEffect;

const idle = { readyState: 2, data: undefined, messages: [], error: null, closeReason: null };
const connecting = { ...idle, readyState: 0 };

export function useSSE(url, options = {}) {
  const { body } = options;
  const latest = useRef(options);
  useLatestEffect(() => {
    latest.current = options;
  });
  const [generation, setGeneration] = useState(0);
  // The state of one connection, tagged with what opened it: after a new url, body or
  // reconnect(), the render shows a fresh state at once, never the previous connection's.
  const [state, setState] = useState(null);
  const live = useRef(null);

  useEffect(() => {
    if (url === null) return undefined;
    const own = (s) =>
      s?.url === url && s.body === body && s.generation === generation
        ? s
        : { url, body, generation, ...connecting };
    let sse = null;
    // Reads the service now: the updater runs later, maybe after the service was freed.
    const update = (change) => {
      if (sse === null) return;
      const readyState = sse.readyState;
      setState((s) => ({ ...own(s), readyState, ...change(own(s)) }));
    };
    let cancelled = false;
    queueMicrotask(() => {
      if (cancelled) return;
      sse = new SSEService();
      live.current = { sse, update };
      try {
        sse.connect(url, connectOptions(latest, update));
      } catch (error) {
        update(() => ({ readyState: 2, error, closeReason: "failed" }));
      }
    });
    return () => {
      cancelled = true;
      if (sse === null) return;
      if (live.current?.sse === sse) live.current = null;
      const closing = sse;
      sse = null;
      closing.disconnect();
      closing.free();
    };
  }, [url, body, generation]);

  const close = useCallback(() => {
    const current = live.current;
    if (current === null || current.sse.readyState === 2) return;
    current.sse.disconnect();
    current.update(() => ({ readyState: 2, closeReason: "disconnected" }));
  }, []);
  const reconnect = useCallback(() => setGeneration((n) => n + 1), []);

  const mine = state?.url === url && state.body === body && state.generation === generation;
  const { readyState, data, messages, error, closeReason } = mine ? state : url === null ? idle : connecting;
  return { readyState, data, messages, error, closeReason, close, reconnect };
}

/** The options passed to connect(): the app's, with callbacks that read the latest options and update the state. */
function connectOptions(latest, update) {
  const { keepMessages, ...options } = latest.current;
  const call = (name, ...args) => latest.current[name]?.(...args);
  for (const name of CALLBACKS) delete options[name];
  if (options.isFinal) options.isFinal = (data) => Boolean(call("isFinal", data));
  if (options.events) {
    options.events = Object.fromEntries(
      Object.keys(options.events).map((name) => [
        name,
        (data, event) => {
          update(() => ({}));
          latest.current.events?.[name]?.(data, event);
        },
      ]),
    );
  }
  return {
    ...options,
    onOpen: (response) => {
      update(() => ({}));
      call("onOpen", response);
    },
    onMessage: (data, event) => {
      update((s) => ({ data, messages: keepMessages ? [...s.messages, data] : s.messages }));
      call("onMessage", data, event);
    },
    onComplete: () => {
      update(() => ({ readyState: 2, closeReason: "completed" }));
      call("onComplete");
    },
    onError: (error) => {
      update(() => (error.kind === "failed" ? { readyState: 2, error, closeReason: "failed" } : { error }));
      call("onError", error);
    },
    onReconnecting: (info) => {
      update(() => ({}));
      call("onReconnecting", info);
    },
  };
}
