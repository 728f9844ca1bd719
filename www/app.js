// The wasm-sse streaming chat demo. Plain ES module, no framework, no bundler.
// Everything the server sends is inserted as text (textContent / text nodes), never as HTML.
//
// Two transports: fetch (default) POSTs the whole conversation as JSON to /api/chat with
// `Authorization: Bearer <token>`; EventSource GETs /api/chat?q=<prompt> (a single turn, no
// token). Only completed POST answers join the conversation history.

import init, { SSEService } from "./pkg/index.js";

const $ = (id) => document.getElementById(id);
const form = $("form");
const prompt = $("prompt");
const scenario = $("scenario");
const send = $("send");
const stop = $("stop");
const thread = $("thread");
const empty = $("empty");
const main = $("main");
const badge = $("status");
const badgeText = $("status-text");
const logList = $("log-list");
const logSummary = $("log-summary");
const tokenInput = $("token");
const newChat = $("new-chat");
const transportRadios = [...document.querySelectorAll('input[name="transport"]')];
const stat = {
  events: $("stat-events"),
  named: $("stat-named"),
  lastId: $("stat-last-id"),
  reconnects: $("stat-reconnects"),
  ttft: $("stat-ttft"),
  rate: $("stat-rate"),
};

/** How each scenario is requested and how its end is recognised. */
const SCENARIOS = {
  normal: {
    label: "Normal completion",
    note: "The last chunk has status: 1; wasm-sse closes the stream right there.",
    options: {},
  },
  "done-event": {
    label: "Named done event",
    note: "Tokens arrive as named “token” events; an “event: done” ends the stream.",
    options: { doneEvent: "done" },
  },
  sentinel: {
    label: "[DONE] sentinel",
    note: "OpenAI style: a “data: [DONE]” line ends the stream and is never parsed.",
    options: { doneData: "[DONE]" },
  },
  drop: {
    label: "Dropped connection",
    note: "The server cuts the connection halfway; the request is repeated with Last-Event-ID and the same answer goes on.",
    post: "The server cuts the connection halfway; wasm-sse repeats the POST (same body, Last-Event-ID) and the server continues the same answer.",
    options: {},
  },
  error: {
    label: "Server error",
    note: "The server answers HTTP 500: one clear failure, no retry loop.",
    post: "The server answers HTTP 500: wasm-sse retries twice (5xx may be transient), then fails with the status and body.",
    options: {},
  },
  "invalid-json": {
    label: "Invalid JSON",
    note: "One malformed chunk halfway: reported with its raw text, and the stream goes on.",
    options: {},
  },
};

const TRANSPORT_NOTES = {
  fetch: "fetch · POST sends the whole conversation and the token.",
  eventsource: "EventSource · GET sends only this prompt (one turn, no token: EventSource cannot set headers).",
};

/** Failed reconnection attempts in a row before a POST gives up (a 500 is retried this often). */
const POST_RETRIES = 2;

/** `?run=` and `?delay=` of the page's own URL are passed on to the chat (tests use them). */
const PASS_THROUGH = ["run", "delay"];
const pageParams = new URLSearchParams(location.search);

/** One id per page session (and per "New chat"): the server keeps each turn's answer under it. */
function newConversationId() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

let conversationId = newConversationId();
/** The finished turns, as the POST body's `messages`: `{ role: "user" | "assistant", content }`. */
let history = [];

/** The most log rows kept, so a long session stays light. */
const MAX_LOG_ROWS = 400;

let sse = null;
/** The answer being streamed, or null when idle. */
let current = null;

// ---------------------------------------------------------------- status badge

const STATUS_TEXT = {
  loading: "Loading",
  ready: "Ready",
  connecting: "Connecting",
  streaming: "Streaming",
  reconnecting: "Reconnecting",
  done: "Done",
  stopped: "Stopped",
  failed: "Failed",
};

function setStatus(state, detail = "") {
  badge.dataset.state = state;
  badgeText.textContent = detail ? `${STATUS_TEXT[state]}: ${detail}` : STATUS_TEXT[state];
  badge.title = badgeText.textContent;
}

// ---------------------------------------------------------------- small DOM helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function nearBottom() {
  return main.scrollHeight - main.scrollTop - main.clientHeight < 80;
}

function keepBottom(wasNearBottom) {
  if (wasNearBottom) main.scrollTop = main.scrollHeight;
}

const ms = (t) => `${Math.round(t)} ms`;

// ---------------------------------------------------------------- event log

function clearLog() {
  logList.replaceChildren();
  for (const key of ["events", "named", "reconnects"]) stat[key].textContent = "0";
  for (const key of ["lastId", "ttft", "rate"]) stat[key].textContent = "–";
  logSummary.textContent = "no events yet";
}

/** One row: time since connect, kind, optional id, and the raw text. */
function log(kind, raw = "", id = "") {
  const row = el("li", `log-row kind-${kind.replace(/[^a-z-]/gi, "")}`);
  const since = current ? performance.now() - current.startedAt : 0;
  row.append(
    el("span", "log-time", `+${(since / 1000).toFixed(3)} s`),
    el("span", "log-kind", kind),
    el("span", "log-id", id ? `id ${id}` : ""),
    el("span", "log-data", raw),
  );
  logList.append(row);
  while (logList.childElementCount > MAX_LOG_ROWS) logList.firstElementChild.remove();
}

function updateStats() {
  const a = current;
  if (!a) return;
  stat.events.textContent = String(a.events);
  stat.named.textContent = String(a.named);
  stat.lastId.textContent = a.lastId || "–";
  stat.reconnects.textContent = String(a.reconnects);
  if (a.firstTokenAt !== null) stat.ttft.textContent = ms(a.firstTokenAt - a.startedAt);
  const rate = tokensPerSecond(a);
  if (rate !== null) stat.rate.textContent = rate.toFixed(1);
  logSummary.textContent =
    `${a.events} event${a.events === 1 ? "" : "s"}` + (a.lastId ? ` · last id ${a.lastId}` : "");
}

function tokensPerSecond(a) {
  if (a.firstTokenAt === null || a.tokens < 2) return null;
  const seconds = (a.lastTokenAt - a.firstTokenAt) / 1000;
  return seconds > 0 ? (a.tokens - 1) / seconds : null;
}

// ---------------------------------------------------------------- a conversation turn

function addTurn(text, scenarioKey, tags) {
  empty.hidden = true;
  const turn = el("article", "turn");
  const question = el("div", "question");
  question.append(el("p", "question-text", text));

  const answer = el("div", "answer");
  const label = el("p", "answer-label");
  label.append(el("span", "answer-name", "Assistant"));
  for (const tag of tags) label.append(el("span", "tag", tag));
  if (scenarioKey !== "normal") {
    label.append(el("span", "tag scenario-tag", SCENARIOS[scenarioKey].label));
  }
  const body = el("p", "answer-text");
  body.setAttribute("aria-live", "polite");
  body.setAttribute("aria-busy", "true");
  const caret = el("span", "caret");
  caret.setAttribute("aria-hidden", "true");
  const textNode = document.createTextNode("");
  body.append(textNode, caret);
  const meta = el("p", "answer-meta");
  answer.append(label, body, meta);
  turn.append(question, answer);
  thread.append(turn);
  return { turn, answer, body, textNode, caret, meta };
}

/** A notice under the answer: `role="alert"` for failures, a quiet note otherwise. */
function notice(view, kind, title, detail) {
  const box = el("div", `notice ${kind}`);
  if (kind === "error") box.setAttribute("role", "alert");
  box.append(el("strong", "", title));
  if (detail) box.append(el("span", "notice-detail", detail));
  view.answer.insertBefore(box, view.meta);
}

// ---------------------------------------------------------------- requests

function transport() {
  return transportRadios.find((radio) => radio.checked)?.value === "eventsource"
    ? "eventsource"
    : "fetch";
}

/** The chat URL's query: `extra` first, then the scenario, then what the page's URL passes on. */
function chatUrl(extra, key) {
  const query = new URLSearchParams(extra);
  query.set("mode", key);
  for (const name of PASS_THROUGH) {
    const value = pageParams.get(name);
    if (value !== null) query.set(name, value);
  }
  return `/api/chat?${query}`;
}

/** What a refused POST's body says: the `error.message` of the server's JSON, else the text. */
function serverMessage(body) {
  if (!body) return "";
  try {
    const parsed = JSON.parse(body);
    const message = parsed?.error?.message;
    if (typeof message === "string" && message) return message;
  } catch {
    // not JSON: the text itself
  }
  return body.trim();
}

// ---------------------------------------------------------------- streaming

function start(text) {
  const key = scenario.value in SCENARIOS ? scenario.value : "normal";
  const mode = transport();
  const post = mode === "fetch";
  const messages = post ? [...history, { role: "user", content: text }] : null;
  const turnNumber = post ? messages.filter((m) => m.role === "user").length : 0;
  const tags = post ? ["fetch · POST", `turn ${turnNumber}`] : ["EventSource · GET", "single turn"];
  const view = addTurn(text, key, tags);
  clearLog();
  const a = {
    view,
    key,
    post,
    question: text,
    startedAt: performance.now(),
    firstTokenAt: null,
    lastTokenAt: null,
    tokens: 0,
    events: 0,
    named: 0,
    reconnects: 0,
    parseErrors: 0,
    lastId: "",
    answer: "",
    finished: false,
  };
  current = a;
  setBusy(true);
  setStatus("connecting");
  main.scrollTop = main.scrollHeight;

  const url = post ? chatUrl({}, key) : chatUrl({ q: text }, key);
  let request = {};
  if (post) {
    const token = tokenInput.value.trim();
    const body = JSON.stringify({ conversation: conversationId, messages });
    request = {
      transport: "fetch",
      method: "POST",
      // A function: called for each (re)connection, so a resumed POST carries it too.
      headers: () => ({ Authorization: `Bearer ${token}`, "Content-Type": "application/json" }),
      body,
      maxReconnectAttempts: POST_RETRIES,
    };
    log("connect", `POST ${url}`);
    const roles = messages.map((m) => m.role).join(", ");
    log(
      "request",
      `Authorization: Bearer ${token || "(empty)"} · body: ${messages.length} message${
        messages.length === 1 ? "" : "s"
      } (${roles}), ${new TextEncoder().encode(body).length} bytes`,
    );
  } else {
    request = { transport: "eventsource" };
    // Readable in the log: `+` is a space in a query string.
    log("connect", `GET ${decodeURIComponent(url.replace(/\+/g, " "))}`);
  }

  const onToken = (data, event) => {
    if (a !== current) return;
    const stick = nearBottom();
    a.events += 1;
    if (event.type !== "message") a.named += 1;
    a.lastId = event.lastEventId || a.lastId;
    log(event.type, event.data, event.lastEventId);
    const now = performance.now();
    if (a.firstTokenAt === null) a.firstTokenAt = now;
    a.lastTokenAt = now;
    if (data && typeof data.text === "string") {
      a.tokens += 1;
      a.answer += data.text;
      a.view.textNode.appendData(data.text);
    }
    if (badge.dataset.state !== "streaming") setStatus("streaming");
    updateStats();
    keepBottom(stick);
  };

  const options = {
    ...request,
    isFinal: (d) => d !== null && typeof d === "object" && d.status === 1,
    ...SCENARIOS[key].options,
    onOpen: (response) => {
      if (a !== current) return;
      const resumed = a.reconnects > 0 ? ", resuming" : "";
      log(
        "open",
        response
          ? `HTTP ${response.status} ${response.headers.get("content-type") || ""}${resumed}`.trim()
          : `connection open${resumed}`,
      );
      if (a.firstTokenAt === null || badge.dataset.state === "reconnecting") {
        setStatus(a.firstTokenAt === null ? "connecting" : "streaming");
      }
    },
    onMessage: onToken,
    events: {
      token: onToken,
      done: (data, event) => {
        if (a !== current) return;
        a.events += 1;
        a.named += 1;
        a.lastId = event.lastEventId || a.lastId;
        log("done", event.data, event.lastEventId);
        updateStats();
      },
    },
    onComplete: () => {
      if (a !== current) return;
      log("complete", completionNote(key));
      finish("done");
    },
    onReconnecting: ({ attempt, lastEventId, delay, status }) => {
      if (a !== current) return;
      a.reconnects += 1;
      const details = [`attempt ${attempt}`];
      if (typeof delay === "number") details.push(`in ${ms(delay)}`);
      if (typeof status === "number") details.push(`after HTTP ${status}`);
      log("reconnecting", `${details.join(" ")}, Last-Event-ID: ${lastEventId || "(none)"}`);
      setStatus("reconnecting", details.join(" "));
      updateStats();
    },
    onError: (error) => {
      if (a !== current) return;
      if (error.kind === "parse") {
        a.parseErrors += 1;
        a.events += 1;
        log("parse-error", error.data ?? "");
        notice(a.view, "warning", "Skipped a chunk that is not valid JSON:", error.data ?? "");
        updateStats();
        return;
      }
      if (typeof error.status === "number") {
        // The server answered: show its status and its own words (the JSON's error.message).
        const said = serverMessage(error.body);
        const reason = said ? `HTTP ${error.status}: ${said}` : `HTTP ${error.status}`;
        log("error", error.body ? `HTTP ${error.status} ${error.body.trim()}` : reason);
        notice(a.view, "error", `The server answered with an error (HTTP ${error.status}).`, said);
        finish("failed", reason);
        return;
      }
      const reason = String(error.message || "the connection failed").replace(
        /^connection failed: /,
        "",
      );
      log("error", reason);
      notice(a.view, "error", "The stream failed.", reason);
      // The badge is short: the notice above has the details in brackets.
      finish("failed", reason.replace(/\s*\([^)]*\)$/, ""));
    },
  };

  try {
    sse.connect(url, options);
  } catch (error) {
    notice(view, "error", "Could not connect.", String(error.message || error));
    finish("failed", String(error.message || error));
  }
}

function completionNote(key) {
  switch (key) {
    case "done-event":
      return "named event “done” ended the stream";
    case "sentinel":
      return "data “[DONE]” ended the stream";
    default:
      return "last chunk had status 1";
  }
}

function finish(state, detail = "") {
  const a = current;
  if (!a || a.finished) return;
  a.finished = true;
  a.view.body.setAttribute("aria-busy", "false");
  a.view.caret.remove();
  a.view.turn.dataset.state = state;
  const parts = [];
  if (a.tokens) parts.push(`${a.tokens} tokens`);
  if (a.firstTokenAt !== null) parts.push(`first token ${ms(a.firstTokenAt - a.startedAt)}`);
  const rate = tokensPerSecond(a);
  if (rate !== null) parts.push(`${rate.toFixed(1)} tokens/s`);
  if (a.reconnects) {
    const what = state === "done" ? "resumed after" : "after";
    parts.push(`${what} ${a.reconnects} reconnect${a.reconnects > 1 ? "s" : ""}`);
  }
  parts.push(`${((performance.now() - a.startedAt) / 1000).toFixed(1)} s`);
  if (a.post) {
    if (state === "done") {
      // Only a whole answer joins the conversation; the next prompt sends it back.
      history.push({ role: "user", content: a.question }, { role: "assistant", content: a.answer });
      parts.push("kept in the conversation");
    } else {
      a.view.turn.classList.add("excluded");
      parts.push("not kept: the next prompt does not send this turn");
    }
  }
  a.view.meta.replaceChildren(...[STATUS_TEXT[state], ...parts].map((part) => el("span", "", part)));
  if (a.tokens === 0) a.view.body.hidden = true;
  updateStats();
  setStatus(state, detail);
  current = null;
  setBusy(false);
}

function stopStreaming() {
  if (!current) return;
  sse.disconnect();
  log("disconnect", "stopped by the user");
  finish("stopped");
}

// ---------------------------------------------------------------- controls

function setBusy(busy) {
  const focusWasOnButton = document.activeElement === send || document.activeElement === stop;
  stop.disabled = !busy;
  send.disabled = busy || !sse;
  scenario.disabled = busy;
  newChat.disabled = busy;
  for (const radio of transportRadios) radio.disabled = busy;
  tokenInput.disabled = busy || transport() !== "fetch";
  if (focusWasOnButton && document.activeElement !== prompt) {
    (busy ? stop : prompt).focus();
  }
}

function submit() {
  const text = prompt.value.trim();
  if (!text || current || !sse) return;
  prompt.value = "";
  start(text);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});

prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && current) {
    event.preventDefault();
    stopStreaming();
  }
});

stop.addEventListener("click", stopStreaming);

function showNotes() {
  const mode = transport();
  const entry = SCENARIOS[scenario.value] ?? SCENARIOS.normal;
  $("transport-note").textContent = TRANSPORT_NOTES[mode];
  $("scenario-note").textContent = (mode === "fetch" && entry.post) || entry.note;
  tokenInput.disabled = Boolean(current) || mode !== "fetch";
  document.body.dataset.transport = mode;
}
scenario.addEventListener("change", showNotes);
for (const radio of transportRadios) radio.addEventListener("change", showNotes);
showNotes();

newChat.addEventListener("click", () => {
  if (current) return;
  conversationId = newConversationId();
  history = [];
  for (const turn of thread.querySelectorAll(".turn")) turn.remove();
  empty.hidden = false;
  clearLog();
  setStatus(sse ? "ready" : "loading");
  prompt.focus();
});

for (const chip of document.querySelectorAll(".chip")) {
  chip.addEventListener("click", () => {
    prompt.value = chip.textContent;
    submit();
    prompt.focus();
  });
}

// ---------------------------------------------------------------- live notifications
//
// One stream shared by every tab of this origin (`share: "tabs"`): one tab holds the connection
// and relays each notification to the others. The server counts its open connections; the page
// polls that count to show that several tabs cost one. (Which tab leads is not part of the
// package's API, so the page does not claim to know.)

const NOTIFICATIONS_URL = "/api/notifications";
const CONNECTIONS_URL = "/api/notifications/connections";
const CONNECTIONS_EVERY_MS = 2000;
/** The most notifications listed (newest first). */
const MAX_NOTIFICATIONS = 20;

const notify = {
  summary: $("notify-summary"),
  state: $("notify-state"),
  lastId: $("notify-last-id"),
  open: $("notify-open"),
  list: $("notify-list"),
  received: 0,
  openOnServer: null,
  /** The `SSESubscription`, kept for the page's lifetime. */
  subscription: null,
};

function showNotifySummary() {
  const parts = [notify.received ? `${notify.received} received` : notify.state.textContent];
  if (notify.openOnServer !== null) {
    const n = notify.openOnServer;
    parts.push(`${n} open connection${n === 1 ? "" : "s"} on the server`);
  }
  notify.summary.textContent = parts.join(" · ");
}

function setNotifyState(state) {
  notify.state.textContent = state;
  notify.state.dataset.state = state;
  showNotifySummary();
}

/** Lists one notification `{ id, text, at }`, as text only. */
function addNotification(data, event) {
  if (!data || typeof data.text !== "string") return;
  const id = Number.isInteger(data.id) ? data.id : Number(event?.lastEventId);
  const row = el("li", "notify-row");
  row.dataset.id = String(id);
  const at = new Date(data.at);
  const time = el("time", "notify-time", Number.isNaN(at.getTime()) ? "" : at.toLocaleTimeString());
  if (!Number.isNaN(at.getTime())) time.dateTime = at.toISOString();
  row.append(el("span", "notify-id", `#${id}`), time, el("span", "notify-text", data.text));
  notify.list.prepend(row);
  while (notify.list.children.length > MAX_NOTIFICATIONS) notify.list.lastElementChild.remove();
  notify.received += 1;
  notify.lastId.textContent = String(id);
  setNotifyState("open");
}

function subscribeToNotifications() {
  try {
    notify.subscription = SSEService.subscribe(NOTIFICATIONS_URL, {
      share: "tabs",
      replayLast: true,
      onMessage: addNotification,
      onOpen: () => setNotifyState("open"),
      onReconnecting: ({ attempt }) => setNotifyState(`reconnecting (attempt ${attempt})`),
      onError: (error) => {
        if (error.kind === "failed") setNotifyState("failed");
      },
    });
  } catch (error) {
    setNotifyState("failed");
    console.warn("wasm-sse demo: cannot subscribe to the notifications", error);
  }
}

/** Polls the server's count of open notification connections, one request at a time. */
async function pollConnections() {
  try {
    const response = await fetch(CONNECTIONS_URL, { cache: "no-store" });
    if (response.ok) {
      const { open } = await response.json();
      if (Number.isInteger(open)) {
        notify.openOnServer = open;
        notify.open.textContent = String(open);
        showNotifySummary();
      }
    }
  } catch {
    // The server is away (e.g. stopped): keep the last count and try again.
  }
  setTimeout(pollConnections, CONNECTIONS_EVERY_MS);
}

// ---------------------------------------------------------------- start-up

try {
  await init();
  sse = new SSEService();
  subscribeToNotifications();
  pollConnections();
  setStatus("ready");
  setBusy(false);
  prompt.focus();
} catch (error) {
  setStatus("failed", "could not load wasm-sse");
  console.error("wasm-sse demo: could not load the package", error);
}
