// Type-checked (never run) with check.ts: the types of `wasm-sse/react`, which need no React
// types of their own.

import { useSSE, type UseSSEOptions, type UseSSEResult } from "wasm-sse/react";
import type { SSECloseReason, SSEError } from "wasm-sse";

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const exactly = <A, B>(check: Equals<A, B>): Equals<A, B> => check;

interface Chunk {
  text: string;
  status: number;
}

export function Chat(prompt: string | null): string {
  const url = prompt === null ? null : `/api/chat?q=${encodeURIComponent(prompt)}`;
  const chat = useSSE<Chunk>(url, {
    keepMessages: true,
    isFinal: (chunk) => chunk.status === 1,
    onMessage: (chunk) => chunk.text.length,
  });
  exactly<typeof chat, UseSSEResult<Chunk>>(true);
  exactly<typeof chat.data, Chunk | undefined>(true);
  exactly<typeof chat.messages, Chunk[]>(true);
  exactly<typeof chat.readyState, 0 | 1 | 2>(true);
  exactly<typeof chat.closeReason, SSECloseReason | null>(true);
  exactly<typeof chat.error, SSEError | Error | null>(true);
  exactly<typeof chat.close, () => void>(true);
  exactly<typeof chat.reconnect, () => void>(true);

  const raw = useSSE("/sse/text", { json: false });
  exactly<typeof raw.data, string | undefined>(true);
  const unknown = useSSE("/sse/basic");
  exactly<typeof unknown.data, unknown>(true);
  // Fetch transport: a new body opens a new connection.
  const posted = useSSE<Chunk>("/api/chat", { transport: "fetch", method: "POST", body: JSON.stringify({ q: prompt }) });

  // @ts-expect-error data may be undefined before the first message
  const first: string = chat.data.text;
  // @ts-expect-error the URL is a string or null
  useSSE(42);
  // @ts-expect-error keepMessages is a boolean
  const options: UseSSEOptions<Chunk> = { keepMessages: "yes" };

  return `${first} ${options.keepMessages} ${posted.data?.text} ${chat.messages.map((chunk) => chunk.text).join("")}`;
}
