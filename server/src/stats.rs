//! Per-run counters, the `/stats/{run}` endpoint, and the guard that counts client disconnects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;

/// What the server saw for one run id. The vectors hold one entry per request, in order.
#[derive(Clone, Default, Serialize)]
pub struct RunStats {
    requests: u64,
    disconnects: u64,
    /// The Last-Event-ID header as lossy UTF-8 ("" when absent).
    last_event_ids: Vec<String>,
    query_last_event_ids: Vec<String>,
    cookies: Vec<String>,
    methods: Vec<String>,
    /// Request bodies as lossy UTF-8.
    bodies: Vec<String>,
    authorizations: Vec<String>,
    content_types: Vec<String>,
    accepts: Vec<String>,
    /// The `X-Test` header, which tests use to check that custom headers reach the server.
    x_tests: Vec<String>,
    /// Whether a Last-Event-ID header was sent at all: `last_event_ids` cannot tell "" from absent.
    has_last_event_id: Vec<bool>,
    /// The Last-Event-ID header's raw bytes in lowercase hex, so tests see exactly what the
    /// client put on the wire (non-ASCII ids included).
    last_event_id_hex: Vec<String>,
    /// Milliseconds since the run's first request (reconnection delays and backoff).
    times_ms: Vec<u64>,
    /// Requests per scenario, so scenarios can tell a run's first request from later ones.
    #[serde(skip)]
    per_scenario: HashMap<String, u64>,
    #[serde(skip)]
    started: Option<Instant>,
}

/// The request details a scenario request records ("" for an absent header).
pub struct Seen {
    pub last_event_id: Option<Vec<u8>>,
    pub query_last_event_id: String,
    pub cookie: String,
    pub method: String,
    pub body: String,
    pub authorization: String,
    pub content_type: String,
    pub accept: String,
    pub x_test: String,
}

/// Where a request stands in its run.
pub struct Recorded {
    /// How many earlier requests of this run hit the same scenario (0 = first).
    pub earlier: u64,
    /// All requests of the run so far, this one included.
    pub requests: u64,
}

/// All runs, shared by every handler.
#[derive(Clone, Default)]
pub struct Stats(Arc<Mutex<HashMap<String, RunStats>>>);

impl Stats {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, RunStats>> {
        // A panicking handler must not take the counters down with it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records one request of `run` to `scenario`.
    pub fn record(&self, run: &str, scenario: &str, seen: Seen) -> Recorded {
        let mut runs = self.lock();
        let stats = runs.entry(run.to_owned()).or_default();
        stats.requests += 1;
        let started = *stats.started.get_or_insert_with(Instant::now);
        stats
            .times_ms
            .push(started.elapsed().as_millis().try_into().unwrap_or(u64::MAX));
        stats.has_last_event_id.push(seen.last_event_id.is_some());
        let id = seen.last_event_id.unwrap_or_default();
        stats
            .last_event_ids
            .push(String::from_utf8_lossy(&id).into_owned());
        stats
            .last_event_id_hex
            .push(id.iter().map(|b| format!("{b:02x}")).collect());
        stats.query_last_event_ids.push(seen.query_last_event_id);
        stats.cookies.push(seen.cookie);
        stats.methods.push(seen.method);
        stats.bodies.push(seen.body);
        stats.authorizations.push(seen.authorization);
        stats.content_types.push(seen.content_type);
        stats.accepts.push(seen.accept);
        stats.x_tests.push(seen.x_test);
        let hits = stats.per_scenario.entry(scenario.to_owned()).or_default();
        *hits += 1;
        Recorded {
            earlier: *hits - 1,
            requests: stats.requests,
        }
    }

    fn add_disconnect(&self, run: &str) {
        self.lock().entry(run.to_owned()).or_default().disconnects += 1;
    }

    fn snapshot(&self, run: &str) -> RunStats {
        self.lock().get(run).cloned().unwrap_or_default()
    }
}

/// Lives inside a response body: dropped before `finish`, the client went away early.
pub struct DisconnectGuard {
    stats: Stats,
    run: String,
    finished: bool,
}

impl DisconnectGuard {
    pub fn new(stats: Stats, run: &str) -> Self {
        Self {
            stats,
            run: run.to_owned(),
            finished: false,
        }
    }

    /// The body ended on its own (cleanly or by a deliberate abort): nothing to count.
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for DisconnectGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.stats.add_disconnect(&self.run);
        }
    }
}

/// `GET /stats/{run}`: the run's counters as JSON (all zero for an unknown run).
pub async fn handler(State(app): State<AppState>, run: Option<Path<String>>) -> Response {
    let run = run.map(|Path(run)| run).unwrap_or_default();
    let body = serde_json::to_string(&app.stats.snapshot(&run)).expect("stats serialise");
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
