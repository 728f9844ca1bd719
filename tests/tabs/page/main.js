// One tab of the multi-tab test: subscribes to ?stream= with share: "tabs" and records every
// event id and callback in window.__tab; window.__join(replayLast) subscribes once more, into
// window.__tab.more. ?nobc removes BroadcastChannel first (the fallback); ?replay subscribes
// with replayLast.
const params = new URLSearchParams(location.search);
if (params.has("nobc")) delete globalThis.BroadcastChannel;

const { SSEService } = await import("/pkg/index.js");

function join(replayLast) {
  const record = { ids: [], log: [], joinedAt: performance.now(), firstAt: undefined };
  record.subscription = SSEService.subscribe(params.get("stream"), {
    json: false,
    share: "tabs",
    replayLast,
    onOpen: () => record.log.push("open"),
    onMessage: (_data, event) => {
      record.firstAt ??= performance.now();
      record.ids.push(Number(event.lastEventId));
    },
    onReconnecting: (info) => record.log.push(`reconnecting ${info.lastEventId}`),
    onError: (error) => record.log.push(`error ${error.message}`),
  });
  return record;
}

const tab = join(params.has("replay"));
tab.more = [];
window.__tab = tab;
window.__join = (replayLast) => tab.more.push(join(replayLast)) - 1;
tab.ready = true;
