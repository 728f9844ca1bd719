//! What every streaming handler (the scenarios and the chat) starts from: the query
//! parameters and the request, recorded in the run's stats.

use std::collections::HashMap;

use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;

use crate::request::Incoming;
use crate::stats::{DisconnectGuard, Seen};
use crate::AppState;

/// The query string of a streaming request.
pub(crate) struct Params(pub(crate) HashMap<String, String>);

impl Params {
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A numeric parameter; missing or malformed values fall back to `default`.
    pub(crate) fn num(&self, key: &str, default: u64) -> u64 {
        self.str(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    fn run(&self) -> &str {
        self.str("run").unwrap_or("")
    }
}

/// What a streaming handler needs to know about its request, once it has been recorded.
pub(crate) struct Ctx {
    app: AppState,
    pub(crate) params: Params,
    pub(crate) request: Incoming,
    /// How many earlier requests of this run hit the same scenario (0 = first).
    pub(crate) earlier: u64,
    /// All requests of this run so far, this one included (the `X-Request-Count` header).
    requests: u64,
    /// The client's resume position: Last-Event-ID header, else the query parameter, as a number.
    pub(crate) resume_from: Option<u64>,
    /// The same id as text (the header as lossy UTF-8), for scenarios whose ids are not numbers.
    pub(crate) resume_id: Option<String>,
}

impl Ctx {
    /// Records the request in the run's stats.
    pub(crate) fn new(app: AppState, scenario: &str, params: Params, request: Incoming) -> Self {
        let raw_id = request.raw_header("last-event-id").map(<[u8]>::to_vec);
        let header_id = raw_id
            .as_deref()
            .map(|id| String::from_utf8_lossy(id).into_owned());
        let param_name = params.str("param").unwrap_or("lastEventId");
        let query_id = params.str(param_name).map(str::to_owned);
        let resume_from = [&header_id, &query_id]
            .into_iter()
            .find_map(|id| id.as_deref().and_then(|id| id.trim().parse().ok()));
        let resume_id = header_id.or_else(|| query_id.clone());
        let seen = Seen {
            last_event_id: raw_id,
            query_last_event_id: query_id.unwrap_or_default(),
            cookie: request.header("cookie"),
            method: request.method.to_string(),
            body: request.body_text(),
            authorization: request.header("authorization"),
            content_type: request.header("content-type"),
            accept: request.header("accept"),
            x_test: request.header("x-test"),
        };
        let recorded = app.stats.record(params.run(), scenario, seen);
        Self {
            app,
            params,
            request,
            earlier: recorded.earlier,
            requests: recorded.requests,
            resume_from,
            resume_id,
        }
    }

    pub(crate) fn guard(&self) -> DisconnectGuard {
        DisconnectGuard::new(self.app.stats.clone(), self.params.run())
    }

    /// Adds `X-Request-Count`, so a test can tell a retry from the first attempt.
    pub(crate) fn counted(&self, mut response: Response) -> Response {
        response.headers_mut().insert(
            HeaderName::from_static("x-request-count"),
            HeaderValue::from(self.requests),
        );
        response
    }
}
