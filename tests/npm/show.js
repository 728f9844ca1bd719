// Shared by the test pages: publishes results (window.__results for the runner, a plain list
// for a person looking at the page), and runs the behaviour suite into them.

/** Publishes `[{ name, ok, detail, skip }]`. */
export function publish(results) {
  document.getElementById("results").textContent = results
    .map((r) => `${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : `\n     ${r.detail}`}`)
    .join("\n");
  window.__results = results;
}

/** Initialises the package, runs the suite and publishes its results. */
export async function show(init, SSEService, runSuite) {
  let results;
  try {
    await init();
    results = await runSuite(SSEService, location.origin, init);
  } catch (error) {
    results = [{ name: "load and run the suite", ok: false, detail: String(error?.stack ?? error) }];
  }
  publish(results);
}
