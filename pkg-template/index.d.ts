// The types of the package's entry (index.js), written by hand because wasm-bindgen cannot
// write generic methods. Self-contained: it needs only the DOM lib and ES2020, whatever the
// app's `lib` and `skipLibCheck`. `cargo xtask pkg` checks that every member the glue's
// generated .d.ts declares is declared here too.

declare global {
  interface SymbolConstructor {
    /** Declared here so that `[Symbol.dispose]` type-checks under `lib` settings without `ESNext.Disposable`. */
    readonly dispose: unique symbol;
  }
}

/** What `onReconnecting` is told about a transient loss. */
export interface SSEReconnectInfo {
  /** Which reconnection attempt this is since the last event arrived, from 1. */
  attempt: number;
  /** The last event id seen (`""` if none); it is resent as `Last-Event-ID`. */
  lastEventId: string;
  /** Milliseconds until the attempt (fetch transport). */
  delay?: number;
  /** The HTTP status that caused the loss, if there was a response (fetch transport). */
  status?: number;
}

/** The error passed to `onError` and thrown by `stream()`: a real `Error` with `name` "SSEError". Test for it with `isSSEError`. */
export interface SSEError extends Error {
  name: "SSEError";
  /** `"failed"`: the connection is over. `"parse"`: a message's data was not valid JSON; the stream goes on. */
  kind: "failed" | "parse";
  /** Human-readable. */
  message: string;
  /** With kind `"parse"`: the raw data text, so nothing is lost. */
  data?: string;
  /** The ready state when the error happened (`2` for `"failed"`). */
  readyState: 0 | 1 | 2;
  /** The HTTP status of a refused response (fetch transport). */
  status?: number;
  /** The start of a refused response's body (fetch transport). */
  body?: string;
}

/** How a connection ended: a normal completion, `disconnect()` (or `break`, or an abort signal), or a failure. */
export type SSECloseReason = "completed" | "disconnected" | "failed";

/** The data a handler gets: `T` (parsed JSON, default `unknown`), or the raw `string` with `json: false`. */
export type SSEData<T, J extends boolean> = J extends false ? string : T;

/**
 * The options `connect()` and `stream()` share. Every key is optional; an unknown key or a
 * value of the wrong type throws a `TypeError` naming it, at connect time. `T` is the type of
 * each message's data, `J` that of `json`.
 */
export interface SSEBaseOptions<T = unknown, J extends boolean = true> {
  /** Send cookies on a cross-origin request (`EventSource` `withCredentials`, fetch `credentials: "include"`). Default `false`. */
  withCredentials?: boolean;
  /** Parse each message's data with `JSON.parse` (default `true`); `false` passes the raw string. */
  json?: J;
  /** Called each time the connection opens, reconnections included; with the fetch transport, with the `Response`. */
  onOpen?: (response?: Response) => void;
  /** Handlers for named events (the `event:` field), by event name; each gets the event as `onMessage` does. */
  events?: Record<string, (data: SSEData<T, J>, event: MessageEvent) => void>;
  /** A message for which this returns true is the last: it is delivered, then the connection closes as a normal completion (e.g. `d => d.status === 1`). */
  isFinal?: (data: SSEData<T, J>) => boolean;
  /** A named event that marks normal completion (e.g. `"done"`); its data goes to `events[doneEvent]` first, if present. */
  doneEvent?: string;
  /** A raw data value that marks completion (e.g. `"[DONE]"`); it is neither parsed nor delivered. */
  doneData?: string;
  /** Called on a transient loss: the connection is being re-established (sending `Last-Event-ID`). Not an error. */
  onReconnecting?: (info: SSEReconnectInfo) => void;
  /** Called for real errors only, never after a completion or a disconnect began. */
  onError?: (error: SSEError) => void;
  /** Failed reconnection attempts in a row (no event in between) before giving up with an `SSEError` of kind `"failed"`. Default 5; `0` never reconnects. */
  maxReconnectAttempts?: number;
  /** Default: `"eventsource"` where the runtime has `EventSource` and no fetch-only option is given; otherwise `"fetch"`. */
  transport?: "eventsource" | "fetch";
  /** The HTTP method (fetch transport). Default `"GET"`. */
  method?: string;
  /** Request headers, or a function giving them, called for each (re)connection (fetch transport). */
  headers?: HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
  /** The request body, or a function giving it, called for each (re)connection (fetch transport). */
  body?: BodyInit | null | (() => BodyInit | null | Promise<BodyInit | null>);
  /** The `fetch` to use (fetch transport). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Aborting it is a `disconnect()`: no `onError`. */
  signal?: AbortSignal;
  /** Sent as `Last-Event-ID` on the first request. */
  lastEventId?: string;
  /** Milliseconds without any byte after which the connection counts as lost (and is retried). */
  idleTimeout?: number;
  /** When to reconnect after the response ends: `"auto"` (default) always for GET, otherwise only once an event id was seen; `"always"`; `"never"`. */
  reconnect?: "auto" | "always" | "never";
  /** Dispatch an unterminated last event at the end of the stream. */
  flushAtEnd?: boolean;
  /** Bytes; an event larger than this fails the connection (fetch transport). */
  maxEventSize?: number;
}

/** Options for `SSEService.stream`: the shared ones; `onMessage` and `onComplete` are refused. */
export interface SSEStreamOptions<T = unknown, J extends boolean = true> extends SSEBaseOptions<T, J> {
  /** Not accepted by `stream()`: the iterator yields the messages. */
  onMessage?: never;
  /** Not accepted by `stream()`: the loop ends on completion. */
  onComplete?: never;
}

/** Options for `SSEService.connect`: the shared ones, plus `onMessage` and `onComplete`. */
export interface SSEConnectOptions<T = unknown, J extends boolean = true> extends SSEBaseOptions<T, J> {
  /**
   * Called for each unnamed (`message`) event with its (parsed) data and the raw event. The
   * event is passed only to a function that declares it (`(data, event) => …`, judged by the
   * function's `length`): with the fetch transport it is built for that call, and a
   * `MessageEvent` costs more than the rest of a small message.
   */
  onMessage?: (data: SSEData<T, J>, event: MessageEvent) => void;
  /** Called once, after a normal completion closed the connection. */
  onComplete?: () => void;
}

/**
 * Options for `SSEService.subscribe`: the `connect` options (GET only: no `method` other than
 * GET, no `body`, no `fetch`, no `headers` function), plus how to share.
 */
export interface SSESubscribeOptions<T = unknown, J extends boolean = true> extends SSEConnectOptions<T, J> {
  /** `"page"` (default): subscribers in this page share one connection. `"tabs"`: the tabs of this origin share one connection, led by one tab (Web Locks) and relayed over a `BroadcastChannel`; a connection per tab where either API is missing. */
  share?: "page" | "tabs";
  /** On joining a stream that already delivered a message, get the last one first. Default `false`. */
  replayLast?: boolean;
}

/**
 * A subscription to a shared stream (from `SSEService.subscribe`): its own callbacks over a
 * connection shared with every subscriber to the same URL and settings. It stays alive while
 * subscribed, whatever references the page keeps.
 */
export declare class SSESubscription {
  private constructor();
  /** Leaves the shared stream: no callback fires afterwards; the last subscriber to leave closes the connection. Idempotent. */
  unsubscribe(): void;
  /** Unsubscribes; afterwards the subscription reads as closed and `unsubscribe()`/`free()` do nothing. */
  free(): void;
  /** Same as `free()`, for `using`. */
  [Symbol.dispose](): void;
  /** 0 CONNECTING (also while reconnecting, or while a new leader tab connects), 1 OPEN, 2 CLOSED (after unsubscribing, completing or failing). */
  readonly readyState: 0 | 1 | 2;
  /** True once the subscription ended by its own completion rule or by unsubscribing (not by a failure). */
  readonly isClosing: boolean;
  /** The shared stream's last event id; `""` until an event with an id arrives. */
  readonly lastEventId: string;
  /** How this subscription ended (`"completed"`: its own completion rule); `null` while it goes on. */
  readonly closeReason: SSECloseReason | null;
}

/**
 * A Server-Sent Events client: JSON parsing, named events, and a completion guard that tells
 * the server's final message apart from a real error. Ready as soon as it is imported.
 *
 * A connected service lives until its stream ends (as `EventSource` does): there is no need to
 * keep a reference to it, nor to the iterator of `stream()`.
 *
 * ```ts
 * import { SSEService } from "wasm-sse";
 * interface Chunk { text: string; status: number }
 * const sse = new SSEService();
 * sse.connect<Chunk>(`/api/chat?q=${encodeURIComponent(prompt)}`, {
 *   onMessage: (chunk) => render(chunk.text),
 *   isFinal: (chunk) => chunk.status === 1,
 *   onComplete: () => console.log("done"),
 *   onError: (error) => console.error(error.kind, error.message),
 * });
 * ```
 */
export declare class SSEService {
  /**
   * A service with no connection yet (`readyState` 2).
   */
  constructor();
  /**
   * Opens `url`, closing any previous connection first. `T` is the type of each message's
   * data (not checked at run time); with `json: false` the data is the raw `string`.
   *
   * @param url - the stream's URL, absolute or relative to the page.
   * @param options - callbacks, completion rules and connection settings.
   * @throws {SyntaxError} if the URL is refused.
   * @throws {TypeError} for an unknown option or a value of the wrong type.
   */
  connect<T = unknown, J extends boolean = true>(url: string, options?: SSEConnectOptions<T, J> | null): void;
  /**
   * Connects (closing any previous connection) and returns an async iterator of each
   * message's data: it returns on normal completion, throws an `SSEError` on failure, and
   * `break` disconnects. Parse errors go to `options.onError` if given (the stream goes on),
   * else they are thrown, which ends the loop and closes the connection. Messages are the
   * iterator's: `onMessage` and `onComplete` are not accepted here. After the loop,
   * `closeReason` tells a completion from a disconnect.
   *
   * ```ts
   * for await (const chunk of sse.stream<Chunk>("/api/chat?q=hi", { isFinal: (d) => d.status === 1 })) {
   *   answer += chunk.text;
   * }
   * ```
   * @throws {SyntaxError} if the URL is refused.
   * @throws {TypeError} for an unknown option, a value of the wrong type, `onMessage` or `onComplete`.
   */
  stream<T = unknown, J extends boolean = true>(
    url: string,
    options?: SSEStreamOptions<T, J> | null,
  ): SseStreamIterator<SSEData<T, J>>;
  /**
   * Subscribes to a shared stream: subscribers to the same URL and connection settings share
   * one connection (in this page, or with `share: "tabs"` between the tabs of this origin).
   * Each has its own callbacks, named events, parsing and completion rule; the connection
   * closes when the last one unsubscribes. GET only.
   *
   * ```ts
   * const bell = SSEService.subscribe<Note>("/notifications", { onMessage: (n) => ring(n) });
   * using list = SSEService.subscribe<Note>("/notifications", { onMessage: add, replayLast: true });
   * bell.unsubscribe(); // the list still listens, on the same connection
   * ```
   * @throws {SyntaxError} if the URL is refused.
   * @throws {TypeError} for an unknown option, a value of the wrong type, or a stream that cannot be shared (not GET).
   */
  static subscribe<T = unknown, J extends boolean = true>(
    url: string,
    options?: SSESubscribeOptions<T, J> | null,
  ): SSESubscription;
  /**
   * Closes the connection. Never calls `onError`; idempotent; `readyState` becomes 2.
   */
  disconnect(): void;
  /**
   * Disconnects and retires the service: it reads as closed afterwards (`closeReason`
   * `"disconnected"` unless it had ended otherwise), `free()` and `disconnect()` do nothing,
   * and `connect()`/`stream()` throw a `TypeError`.
   */
  free(): void;
  /** Same as `free()`, for `using`. */
  [Symbol.dispose](): void;
  /**
   * True from the moment a normal completion or a disconnect begins.
   */
  readonly isClosing: boolean;
  /**
   * The last event id seen; `""` until an event with an id arrives.
   */
  readonly lastEventId: string;
  /**
   * 0 CONNECTING (also while reconnecting), 1 OPEN, 2 CLOSED (also before the first connect).
   */
  readonly readyState: 0 | 1 | 2;
  /**
   * How the last connection ended; `null` if none has ended (before the first connect, while
   * connecting or open).
   */
  readonly closeReason: SSECloseReason | null;
}

/**
 * The async iterator `stream()` returns: `for await` it, `break` disconnects. It returns only
 * after a normal completion or a disconnect (`closeReason` tells which), and throws the
 * `SSEError` of a failure.
 */
export declare class SseStreamIterator<T = unknown> {
  private constructor();
  /** The next message's data; `done` after a normal completion or a disconnect; rejects with an `SSEError`. */
  next(): Promise<IteratorResult<T, undefined>>;
  /** Called by `break` in a `for await` loop: disconnects. */
  return(): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): SseStreamIterator<T>;
  /** Disconnects, as `break` does (if its stream still goes on). */
  free(): void;
  /** Same as `free()`, for `using`. */
  [Symbol.dispose](): void;
  /** Its service's `readyState`. */
  readonly readyState: 0 | 1 | 2;
  /** Its service's `isClosing`. */
  readonly isClosing: boolean;
  /** Its service's `lastEventId`. */
  readonly lastEventId: string;
  /** Its service's `closeReason`: after the loop, `"completed"` or `"disconnected"`. */
  readonly closeReason: SSECloseReason | null;
}

/** Whether `value` is an `SSEError` (what `onError` gets and `stream()` throws). */
export declare function isSSEError(value: unknown): value is SSEError;

/**
 * Instantiates the wasm. Not needed: the package does it before its first use. Idempotent and
 * cheap: every call returns the same promise.
 */
export default function init(): Promise<void>;
