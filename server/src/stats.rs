//! Per-run counters, the `/stats/{run}` endpoint, and the guard that counts client disconnects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;

/// What the server saw for one run id.
#[derive(Clone, Default, Serialize)]
pub struct RunStats {
    requests: u64,
    disconnects: u64,
    last_event_ids: Vec<String>,
    query_last_event_ids: Vec<String>,
    cookies: Vec<String>,
    /// Requests per scenario, so scenarios can tell a run's first request from later ones.
    #[serde(skip)]
    per_scenario: HashMap<String, u64>,
}

/// The request details a scenario request records.
pub struct Seen {
    pub last_event_id: String,
    pub query_last_event_id: String,
    pub cookie: String,
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

    /// Records one request; returns how many earlier requests of this run hit `scenario`.
    pub fn record(&self, run: &str, scenario: &str, seen: Seen) -> u64 {
        let mut runs = self.lock();
        let stats = runs.entry(run.to_owned()).or_default();
        stats.requests += 1;
        stats.last_event_ids.push(seen.last_event_id);
        stats.query_last_event_ids.push(seen.query_last_event_id);
        stats.cookies.push(seen.cookie);
        let hits = stats.per_scenario.entry(scenario.to_owned()).or_default();
        *hits += 1;
        *hits - 1
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
