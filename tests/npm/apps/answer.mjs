// The chat answer the consumer apps must show, read straight from the test server (without
// wasm-sse) so the apps are compared with what the server really sends.

/** The server's answer to "hello": the texts of its chunks, joined, and how many there are. */
export async function expectedAnswer(server) {
  const response = await fetch(`${server}/api/chat?q=hello&delay=0&run=expected`);
  const chunks = (await response.text())
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => JSON.parse(line.slice("data:".length)));
  return { text: chunks.map((chunk) => chunk.text).join(""), messages: chunks.length };
}
