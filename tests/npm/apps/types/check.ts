// Type-checked (never run) by tests/npm/run.mjs with `tsc --noEmit` under each tsconfig.*.json
// here (`strict`, `skipLibCheck: false`, several `lib` settings): what an app writes against
// the installed package's .d.ts. Every `@ts-expect-error` line must fail to compile, or tsc
// fails: one per typing rule.

import init, {
  SSEService,
  SseStreamIterator,
  isSSEError,
  type SSECloseReason,
  type SSEConnectOptions,
  type SSEError,
  type SSEReconnectInfo,
  type SSEStreamOptions,
} from "wasm-sse";

/** Compiles only if `A` and `B` are the same type. */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type IsAny<T> = 0 extends 1 & T ? true : false;
const exactly = <A, B>(check: Equals<A, B>): Equals<A, B> => check;
const notAny = <T>(check: IsAny<T>): IsAny<T> => check;

interface Chunk {
  index: number;
  text: string;
  status?: number;
}

export async function app(log: (line: string) => void): Promise<string> {
  // init() is optional, idempotent, and resolves to nothing.
  exactly<ReturnType<typeof init>, Promise<void>>(true);
  await init();
  const sse = new SSEService();

  // connect<T>: onMessage, events and isFinal see T.
  const options: SSEConnectOptions<Chunk> = {
    withCredentials: false,
    json: true,
    onOpen: (response) => log(`open ${response?.status ?? "eventsource"}`),
    onMessage: (chunk, event: MessageEvent) => log(`${chunk.index} ${chunk.text} (${event.lastEventId})`),
    events: {
      token: (chunk, event) => log(`${chunk.text} ${event.type}`),
      done: () => log("done"),
    },
    isFinal: (chunk) => chunk.status === 1,
    doneEvent: "done",
    doneData: "[DONE]",
    onComplete: () => log("complete"),
    onReconnecting: ({ attempt, lastEventId, delay, status }: SSEReconnectInfo) =>
      log(`retry ${attempt} after ${lastEventId} in ${delay ?? "?"} ms (${status ?? "-"})`),
    onError: (error: SSEError) => {
      const kind: "failed" | "parse" = error.kind;
      const data: string | undefined = error.data;
      const state: 0 | 1 | 2 = error.readyState;
      const status: number | undefined = error.status;
      const asError: Error = error;
      log(`${kind} ${error.message} ${data ?? ""} ${state} ${status ?? ""} ${error.body ?? ""} ${asError.name}`);
    },
    maxReconnectAttempts: 3,
  };
  sse.connect("/sse/basic", options);
  sse.connect<Chunk>("/api/chat", { onMessage: (chunk) => log(chunk.text), isFinal: (chunk) => chunk.status === 1 });
  // T is inferred from an annotated callback.
  sse.connect("/api/chat", { onMessage: (chunk: Chunk) => log(chunk.text) });
  sse.connect("/sse/basic");
  sse.connect("/sse/basic", null);
  // @ts-expect-error T is Chunk: it has no `missing` field
  sse.connect<Chunk>("/api/chat", { onMessage: (chunk) => log(chunk.missing) });
  // @ts-expect-error message data is unknown until the app says what it is
  sse.connect("/sse/basic", { isFinal: (data) => data.status === 1 });

  // json: false gives the raw string, to every handler.
  sse.connect("/sse/text", {
    json: false,
    onMessage: (text) => log(text.toUpperCase()),
    events: { token: (text) => log(text.trim()) },
    isFinal: (text) => text === "[DONE]",
  });
  // @ts-expect-error with json: false the data is a string, not a Chunk
  sse.connect("/sse/text", { json: false, onMessage: (text) => log(text.index) });
  // @ts-expect-error connect<Chunk> parses JSON: json: false contradicts it
  sse.connect<Chunk>("/sse/text", { json: false });

  // The fetch transport's options (issue #9).
  const controller = new AbortController();
  sse.connect<Chunk>("/api/chat", {
    transport: "fetch",
    method: "POST",
    headers: async () => ({ authorization: "Bearer token" }),
    body: () => JSON.stringify({ q: "hi" }),
    fetch: globalThis.fetch,
    signal: controller.signal,
    lastEventId: "41",
    idleTimeout: 30_000,
    reconnect: "auto",
    flushAtEnd: true,
    maxEventSize: 1 << 20,
  });
  sse.connect("/api/chat", { headers: { accept: "text/event-stream" }, body: null, reconnect: "never" });
  // @ts-expect-error transport is "eventsource" or "fetch"
  sse.connect("/sse/basic", { transport: "websocket" });
  // @ts-expect-error reconnect is "auto", "always" or "never"
  sse.connect("/sse/basic", { reconnect: true });
  // @ts-expect-error onMesage is not an option (onMessage is)
  sse.connect("/sse/basic", { onMesage: () => {} });
  // @ts-expect-error json is a boolean
  sse.connect("/sse/basic", { json: "yes" });

  // readyState narrows to the three EventSource states; closeReason to how it ended.
  const state = sse.readyState;
  switch (state) {
    case 0:
    case 1:
      log(`connecting or open; closing: ${sse.isClosing satisfies boolean}`);
      break;
    case 2:
      exactly<typeof state, 2>(true);
      break;
    default:
      exactly<typeof state, never>(true);
  }
  // @ts-expect-error readyState is 0 | 1 | 2: comparing with 3 is a type error
  if (sse.readyState === 3) log("impossible");
  exactly<SSEService["closeReason"], "completed" | "disconnected" | "failed" | null>(true);
  exactly<SSECloseReason | null, SSEService["closeReason"]>(true);
  // @ts-expect-error "aborted" is not a close reason
  if (sse.closeReason === "aborted") log("impossible");
  const lastEventId: string = sse.lastEventId;
  sse.disconnect();

  // stream<T>: the iterator yields T; its options refuse onMessage and onComplete.
  let answer = lastEventId;
  const chunks = sse.stream<Chunk>("/api/chat?q=hi", { isFinal: (chunk) => chunk.status === 1 });
  exactly<typeof chunks, SseStreamIterator<Chunk>>(true);
  try {
    for await (const chunk of chunks) {
      exactly<typeof chunk, Chunk>(true);
      answer += chunk.text;
      if (answer.length > 100) break;
    }
  } catch (error) {
    // isSSEError narrows an unknown catch value.
    if (isSSEError(error)) log(`${error.kind}: ${error.message} ${error.readyState}`);
    // @ts-expect-error without the guard the caught value is unknown
    log(error.kind);
  }
  if (sse.closeReason === "disconnected") log("the loop was ended by a disconnect, not a completion");
  for await (const text of sse.stream("/sse/text", { json: false })) {
    exactly<typeof text, string>(true);
  }
  for await (const data of sse.stream("/sse/basic")) {
    exactly<typeof data, unknown>(true);
  }
  // @ts-expect-error stream() refuses onMessage: the iterator yields the messages
  sse.stream("/api/chat", { onMessage: () => {} });
  // @ts-expect-error stream() refuses onComplete: the loop ends on completion
  sse.stream("/api/chat", { onComplete: () => {} });
  const connectOptions: SSEConnectOptions = { onComplete: () => {} };
  // @ts-expect-error not even from a variable typed for connect()
  sse.stream("/api/chat", connectOptions);
  const streamOptions: SSEStreamOptions<Chunk> = { isFinal: (chunk) => chunk.status === 1 };
  sse.connect("/api/chat", streamOptions);
  // @ts-expect-error the iterator is made by stream(), not by new
  new SseStreamIterator();

  // Releasing: free(), or `using` where the runtime has Symbol.dispose.
  exactly<ReturnType<SSEService[typeof Symbol.dispose]>, void>(true);
  sse.free();

  // The public surface has exact types, none of them `any`.
  exactly<Parameters<NonNullable<SSEConnectOptions["onMessage"]>>, [data: unknown, event: MessageEvent]>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions<Chunk>["onMessage"]>>[0], Chunk>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions<Chunk, false>["onMessage"]>>[0], string>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions["onError"]>>[0], SSEError>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions["onReconnecting"]>>[0], SSEReconnectInfo>(true);
  exactly<Parameters<typeof isSSEError>, [value: unknown]>(true);
  notAny<Parameters<NonNullable<SSEConnectOptions["isFinal"]>>[0]>(false);
  notAny<Awaited<ReturnType<typeof init>>>(false);
  return answer;
}
