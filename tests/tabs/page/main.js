// One tab of the multi-tab test: subscribes to ?stream= with share: "tabs" and records every
// event id and callback in window.__tab. ?nobc removes BroadcastChannel first (the fallback).
const params = new URLSearchParams(location.search);
if (params.has("nobc")) delete globalThis.BroadcastChannel;

const { SSEService } = await import("/pkg/index.js");
const tab = { ids: [], log: [] };
window.__tab = tab;
tab.subscription = SSEService.subscribe(params.get("stream"), {
  json: false,
  share: "tabs",
  onOpen: () => tab.log.push("open"),
  onMessage: (_data, event) => tab.ids.push(Number(event.lastEventId)),
  onReconnecting: (info) => tab.log.push(`reconnecting ${info.lastEventId}`),
  onError: (error) => tab.log.push(`error ${error.message}`),
});
tab.ready = true;
