// The types of `wasm-sse/react` (react.js). Self-contained: no React types are needed.

import type { SSECloseReason, SSEConnectOptions, SSEData, SSEError } from "./index.js";

/** `useSSE` options: those of `SSEService.connect`, plus `keepMessages`. */
export interface UseSSEOptions<T = unknown, J extends boolean = true> extends SSEConnectOptions<T, J> {
  /** Collect every message's data in `messages` (default `false`: only `data`, the latest, is kept). */
  keepMessages?: boolean;
}

/** What `useSSE` returns; the component re-renders when any of it changes. */
export interface UseSSEResult<D> {
  /** 0 CONNECTING (also while reconnecting), 1 OPEN, 2 CLOSED (also with no URL). */
  readyState: 0 | 1 | 2;
  /** The latest message's data; `undefined` until the first message of the connection. */
  data: D | undefined;
  /** Every message's data of the connection, in order, with `keepMessages: true`; else `[]`. */
  messages: D[];
  /** The last error: an `SSEError` (`isSSEError`), or what `connect` threw for a bad URL or option. */
  error: SSEError | Error | null;
  /** How the connection ended; `null` while it has not (or with no URL). */
  closeReason: SSECloseReason | null;
  /** Disconnects (`closeReason` becomes `"disconnected"`). */
  close: () => void;
  /** Opens a new connection to the same URL, with the current options. */
  reconnect: () => void;
}

/**
 * Streams `url` for as long as the component is mounted. `url` `null` means no connection; a
 * new `url`, or a new `body` (fetch transport; keep it stable, e.g. a string), opens a new
 * connection and resets the state. The callbacks are always the latest ones passed, without
 * reconnecting; the other options are read when a connection opens. Safe under `StrictMode`:
 * one connection, each message once.
 *
 * ```tsx
 * import { useSSE } from "wasm-sse/react";
 * interface Chunk { text: string; status: number }
 * const { messages, readyState } = useSSE<Chunk>(`/api/chat?q=${encodeURIComponent(q)}`, {
 *   keepMessages: true,
 *   isFinal: (chunk) => chunk.status === 1,
 * });
 * return <p>{messages.map((chunk) => chunk.text).join("")}</p>;
 * ```
 */
export declare function useSSE<T = unknown, J extends boolean = true>(
  url: string | null,
  options?: UseSSEOptions<T, J>,
): UseSSEResult<SSEData<T, J>>;
