// Shared by both pages: initialises the package, runs the suite, and publishes the results
// (window.__results for the runner, a plain list for a person looking at the page).
export async function show(init, SSEService, runSuite) {
  let results;
  try {
    await init();
    results = await runSuite(SSEService, location.origin, init);
  } catch (error) {
    results = [{ name: "load and run the suite", ok: false, detail: String(error?.stack ?? error) }];
  }
  document.getElementById("results").textContent = results
    .map((r) => `${r.ok ? "ok  " : "FAIL"} ${r.name}${r.ok ? "" : `\n     ${r.detail}`}`)
    .join("\n");
  window.__results = results;
}
