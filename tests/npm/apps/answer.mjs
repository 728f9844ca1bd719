// The chat answer the consumer apps must show, read straight from the test server (without
// wasm-sse) so the apps are compared with what the server really sends.

/** The JSON data of every event of `response`'s stream, up to a `[DONE]` sentinel. */
async function chunksOf(response) {
  return (await response.text())
    .split("\n")
    .filter((line) => line.startsWith("data:") && line !== "data: [DONE]")
    .map((line) => JSON.parse(line.slice("data:".length)));
}

/** The server's answer to "hello": the texts of its chunks, joined, and how many there are. */
export async function expectedAnswer(server) {
  const chunks = await chunksOf(await fetch(`${server}/api/chat?q=hello&delay=0&run=expected`));
  return { text: chunks.map((chunk) => chunk.text).join(""), messages: chunks.length };
}

/**
 * The server's OpenAI-style answer to the size apps' request (apps/size/request.js): every
 * chunk's token, joined, and how many chunks come before `[DONE]`.
 */
export async function expectedCompletion(server) {
  const response = await fetch(`${server}/v1/chat/completions?delay=0&run=expected`, {
    method: "POST",
    headers: { Authorization: "Bearer demo-token", "Content-Type": "application/json" },
    body: JSON.stringify({ model: "demo", stream: true, messages: [{ role: "user", content: "hello" }] }),
  });
  const chunks = await chunksOf(response);
  const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join("");
  return { text, messages: chunks.length };
}
