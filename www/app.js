// The wasm-sse streaming chat demo. Plain ES module, no framework, no bundler.
// Everything the server sends is inserted as text (textContent / text nodes), never as HTML.

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
    note: "The last chunk has status: 1; wasm-sse closes before the browser could reconnect.",
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
    note: "The server cuts the connection halfway; the browser resumes from Last-Event-ID.",
    options: {},
  },
  error: {
    label: "Server error",
    note: "The server answers HTTP 500: one clear failure, no retry loop.",
    options: {},
  },
  "invalid-json": {
    label: "Invalid JSON",
    note: "One malformed chunk halfway: reported with its raw text, and the stream goes on.",
    options: {},
  },
};

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

function addTurn(text, scenarioKey) {
  empty.hidden = true;
  const turn = el("article", "turn");
  const question = el("div", "question");
  question.append(el("p", "question-text", text));

  const answer = el("div", "answer");
  const label = el("p", "answer-label");
  label.append(el("span", "answer-name", "Assistant"));
  if (scenarioKey !== "normal") {
    label.append(el("span", "scenario-tag", SCENARIOS[scenarioKey].label));
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

// ---------------------------------------------------------------- streaming

function start(text) {
  const key = scenario.value in SCENARIOS ? scenario.value : "normal";
  const view = addTurn(text, key);
  clearLog();
  const a = {
    view,
    key,
    startedAt: performance.now(),
    firstTokenAt: null,
    lastTokenAt: null,
    tokens: 0,
    events: 0,
    named: 0,
    reconnects: 0,
    parseErrors: 0,
    lastId: "",
    finished: false,
  };
  current = a;
  setBusy(true);
  setStatus("connecting");
  main.scrollTop = main.scrollHeight;

  const url = `/api/chat?q=${encodeURIComponent(text)}&mode=${encodeURIComponent(key)}`;
  log("connect", `GET ${decodeURIComponent(url)}`);

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
      a.view.textNode.appendData(data.text);
    }
    if (badge.dataset.state !== "streaming") setStatus("streaming");
    updateStats();
    keepBottom(stick);
  };

  const options = {
    isFinal: (d) => d !== null && typeof d === "object" && d.status === 1,
    ...SCENARIOS[key].options,
    onOpen: () => {
      if (a !== current) return;
      log("open", "connection open");
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
    onReconnecting: ({ attempt, lastEventId }) => {
      if (a !== current) return;
      a.reconnects += 1;
      log("reconnecting", `attempt ${attempt}, Last-Event-ID: ${lastEventId || "(none)"}`);
      setStatus("reconnecting", `attempt ${attempt}`);
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
  if (a.reconnects) parts.push(`resumed after ${a.reconnects} reconnect${a.reconnects > 1 ? "s" : ""}`);
  parts.push(`${((performance.now() - a.startedAt) / 1000).toFixed(1)} s`);
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

function showScenarioNote() {
  $("scenario-note").textContent = (SCENARIOS[scenario.value] ?? SCENARIOS.normal).note;
}
scenario.addEventListener("change", showScenarioNote);
showScenarioNote();

for (const chip of document.querySelectorAll(".chip")) {
  chip.addEventListener("click", () => {
    prompt.value = chip.textContent;
    submit();
    prompt.focus();
  });
}

// ---------------------------------------------------------------- start-up

try {
  await init();
  sse = new SSEService();
  setStatus("ready");
  setBusy(false);
  prompt.focus();
} catch (error) {
  setStatus("failed", "could not load wasm-sse");
  console.error("wasm-sse demo: could not load the package", error);
}
