// Type-checked (never run) by tests/npm/run.mjs with `tsc --noEmit`: what an app writes against
// the package's .d.ts. Every `@ts-expect-error` line must fail to compile, or tsc fails.

import init, {
  SSEService,
  type SSEConnectOptions,
  type SSEError,
  type SSEReconnectInfo,
} from "../../../pkg/wasm_sse.js";

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
const isChunk = (data: unknown): data is Chunk =>
  typeof data === "object" && data !== null && "index" in data && "text" in data;

export async function app(log: (line: string) => void): Promise<string> {
  await init();
  const sse = new SSEService();

  // Every option, with its documented type.
  const options: SSEConnectOptions = {
    withCredentials: false,
    json: true,
    onOpen: () => log("open"),
    onMessage: (data: unknown, event: MessageEvent) => {
      if (isChunk(data)) log(`${data.index} ${data.text} (${event.lastEventId})`);
    },
    events: {
      token: (data, event) => log(`${String(data)} ${event.type}`),
      done: () => log("done"),
    },
    isFinal: (data) => isChunk(data) && data.status === 1,
    doneEvent: "done",
    doneData: "[DONE]",
    onComplete: () => log("complete"),
    onReconnecting: ({ attempt, lastEventId }: SSEReconnectInfo) => log(`retry ${attempt} after ${lastEventId}`),
    onError: (error: SSEError) => {
      const kind: "failed" | "parse" = error.kind;
      const data: string | undefined = error.data;
      const state: 0 | 1 | 2 = error.readyState;
      const asError: Error = error;
      log(`${kind} ${error.message} ${data ?? ""} ${state} ${asError.name}`);
    },
    maxReconnectAttempts: 3,
  };
  sse.connect("/sse/basic", options);
  sse.connect("/sse/basic");

  // readyState narrows to the three EventSource states.
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
  const lastEventId: string = sse.lastEventId;
  sse.disconnect();

  // A misspelt option does not compile.
  // @ts-expect-error onMesage is not an option (onMessage is)
  sse.connect("/sse/basic", { onMesage: () => {} });
  // @ts-expect-error json is a boolean
  sse.connect("/sse/basic", { json: "yes" });
  // @ts-expect-error message data is unknown until the app checks it
  sse.connect("/sse/basic", { isFinal: (data) => data.status === 1 });

  // stream(): for await over the data; an SSEError when it fails.
  let answer = lastEventId;
  try {
    for await (const chunk of sse.stream("/api/chat?q=hi", { isFinal: (d) => isChunk(d) && d.status === 1 })) {
      exactly<typeof chunk, unknown>(true);
      if (isChunk(chunk)) answer += chunk.text;
      if (answer.length > 100) break;
    }
  } catch (error) {
    const failure = error as SSEError;
    log(`${failure.kind}: ${failure.message}`);
  }

  // The public surface has exact types, none of them `any`.
  exactly<SSEService["readyState"], 0 | 1 | 2>(true);
  exactly<SSEError["kind"], "failed" | "parse">(true);
  exactly<SSEError["readyState"], 0 | 1 | 2>(true);
  exactly<ReturnType<SSEService["stream"]>, AsyncIterableIterator<unknown>>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions["onMessage"]>>, [data: unknown, event: MessageEvent]>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions["onError"]>>[0], SSEError>(true);
  exactly<Parameters<NonNullable<SSEConnectOptions["onReconnecting"]>>[0], SSEReconnectInfo>(true);
  notAny<Parameters<NonNullable<SSEConnectOptions["isFinal"]>>[0]>(false);
  notAny<Awaited<ReturnType<typeof init>>>(false);
  return answer;
}
