// The bundlers as the consumer tests drive them, through their JS APIs: only where the app
// is, where the output goes and which port to use. Nothing about wasm-sse, WebAssembly or
// dependency handling: the apps have no bundler configuration, and neither have these.

import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { build, createServer } from "vite";
import webpack from "webpack";
import WebpackDevServer from "webpack-dev-server";

/** A free loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = netServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });
}

/** `vite` in `root` (its index.html); resolves to { url, close }. */
export async function viteDev(root) {
  const server = await createServer({
    root,
    logLevel: "warn",
    server: { host: "127.0.0.1", port: await freePort(), strictPort: true },
  });
  await server.listen();
  return { url: server.resolvedUrls.local[0], close: () => server.close() };
}

/** `vite build --base ./` of `root` into `root`/dist. */
export async function viteBuild(root) {
  await build({ root, base: "./", logLevel: "warn" });
}

/** webpack's defaults (entry src/index.js, output dist/main.js), rooted at `root`. */
const webpackOptions = (root, mode) => ({
  mode,
  context: root,
  output: { path: join(root, "dist") },
  infrastructureLogging: { level: "warn" },
});

/** Runs a compiler once; rejects with its errors. */
function compile(compiler) {
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {});
      if (error) reject(error);
      else if (stats.hasErrors()) reject(new Error(stats.toString("errors-only")));
      else resolve(stats);
    });
  });
}

/** `webpack --mode production` in `root`. */
export async function webpackBuild(root) {
  await compile(webpack(webpackOptions(root, "production")));
}

/** `webpack serve --mode development` in `root`: `root` at /, the bundle at /dist/; { url, close }. */
export async function webpackDev(root) {
  const port = await freePort();
  const compiler = webpack(webpackOptions(root, "development"));
  const server = new WebpackDevServer(
    {
      host: "127.0.0.1",
      port,
      static: { directory: root, watch: false },
      devMiddleware: { publicPath: "/dist/" },
      client: { logging: "warn" },
      hot: false,
      liveReload: false,
    },
    compiler,
  );
  await server.start();
  return { url: `http://127.0.0.1:${port}/`, close: () => server.stop() };
}
