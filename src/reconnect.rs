//! Reconnection: how long the browser may retry on its own, and how the service re-creates a
//! connection after a fatal failure (exponential backoff with jitter, bounded).

use crate::prelude::*;
use core::time::Duration;

/// Default for [`SseOptions::max_retries`](crate::SseOptions::max_retries): failed
/// reconnection attempts in a row, with no event in between, before the service gives up.
pub const DEFAULT_MAX_RETRIES: u32 = 5;

/// The fetch transport's reconnection delay until the server sends `retry:`: the floor of its
/// backoff. (Browsers' own `EventSource` default is about 3 s.)
pub const DEFAULT_RETRY: Duration = Duration::from_secs(1);

/// The longest the fetch transport waits between attempts, unless `Retry-After` asks for more.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// When the fetch transport requests a lost stream again (a drop, the server ending it before a
/// completion rule matched, the idle timeout). Statuses that ask for a retry (408, 429, 5xx) are
/// retried in every mode but `Never`; the page becoming hidden or visible never re-sends anything.
///
/// # Example
/// ```no_run
/// use wasm_sse::{ReconnectMode, SseOptions};
/// // A chat answer that cannot be resumed must not be asked for twice.
/// let options = SseOptions::<String>::text()
///     .method("POST")
///     .body("{\"prompt\":\"hi\"}")
///     .reconnect_mode(ReconnectMode::Never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReconnectMode {
    /// GET always (as `EventSource` does); other methods only once the stream has given an event
    /// id, so the server can resume from `Last-Event-ID` (the default).
    #[default]
    Auto,
    /// Every method, with or without an event id.
    Always,
    /// Never: a lost stream fails with [`FailReason::Lost`](crate::FailReason::Lost).
    Never,
}

/// The fetch transport's wait before attempt `attempt` (from 1) after `floor_ms` (the server's
/// `retry:`): exponential backoff with full jitter above the floor, capped at
/// [`MAX_RETRY_DELAY`] (or the floor, if that is higher). `random` is in `[0, 1)`.
pub(crate) fn retry_delay(floor_ms: u32, attempt: u32, random: f64) -> Duration {
    let floor = f64::from(floor_ms);
    let cap = floor.max(MAX_RETRY_DELAY.as_millis() as f64);
    let ceiling = (floor * power(2.0, attempt.saturating_sub(1).min(32))).min(cap);
    let ms = floor + (ceiling - floor) * random.clamp(0.0, 1.0);
    Duration::from_millis(ms as u64)
}

/// `base` to the power `exponent` (`f64::powi` needs `std`).
fn power(base: f64, exponent: u32) -> f64 {
    (0..exponent).fold(1.0, |product, _| product * base)
}

/// What the `on_reconnecting` callback learns about a transient loss.
///
/// # Example
/// ```no_run
/// use wasm_sse::SseOptions;
/// let options = SseOptions::<String>::text().on_reconnecting(|info| {
///     let _ = (info.attempt, info.last_event_id, info.delay);
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectInfo {
    /// Which attempt this is since the last event arrived, from 1.
    pub attempt: u32,
    /// The last event id the stream had seen (`""` if none); the browser sends it as the
    /// `Last-Event-ID` header, and a re-created connection as a query parameter if asked to.
    pub last_event_id: String,
    /// `None` when the browser retries on its own (after its own delay, or the server's
    /// `retry:`); the wait before the next attempt otherwise.
    pub delay: Option<Duration>,
    /// (Fetch transport) The HTTP status that asked for the retry (408, 429, 5xx), if any.
    pub status: Option<u16>,
}

/// Re-creates a connection after a fatal failure, waiting longer after each attempt.
///
/// A fatal failure is the browser closing the connection (HTTP error, wrong content type, CORS)
/// or its own retries running out. Delays grow as `initial_delay × factor^(attempt − 1)`, capped
/// at `max_delay`; jitter then removes up to `jitter × delay` at random so that many clients do
/// not come back at once. The attempt count starts again once an event arrives.
///
/// Defaults: `initial_delay` 1 s, `factor` 2, `max_delay` 30 s, `jitter` 0.5, `max_attempts` 5.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use wasm_sse::ReconnectPolicy;
/// let policy = ReconnectPolicy::default()
///     .initial_delay(Duration::from_millis(200))
///     .max_attempts(3)
///     .jitter(0.0);
/// assert_eq!(policy.delay(1, 0.7), Duration::from_millis(200));
/// assert_eq!(policy.delay(3, 0.7), Duration::from_millis(800));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    initial_delay: Duration,
    max_delay: Duration,
    factor: f64,
    jitter: f64,
    max_attempts: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            factor: 2.0,
            jitter: 0.5,
            max_attempts: 5,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before the first re-creation (default 1 s).
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest delay, whatever the attempt (default 30 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How much each delay grows over the previous one (default 2, at least 1).
    pub fn factor(mut self, factor: f64) -> Self {
        self.factor = factor;
        self
    }

    /// The share of each delay removed at random, from 0 (none) to 1 (default 0.5).
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// How many re-creations in a row, without an event arriving, before giving up (default 5,
    /// at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The configured attempt budget.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before re-creation number `attempt` (from 1), given a random number in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(64);
        let grown = self.initial_delay.as_secs_f64() * power(self.factor, exponent);
        let capped = grown.min(self.max_delay.as_secs_f64());
        let seconds = capped * (1.0 - self.jitter * random.clamp(0.0, 1.0));
        // Whole microseconds, rounded (the value is not negative); `as` saturates, so no float
        // conversion can panic.
        Duration::from_micros((seconds * 1e6 + 0.5) as u64)
    }

    /// The policy as numbers (delays in µs, floats as their bits), to compare or name it without
    /// formatting floats.
    pub(crate) fn fingerprint(&self) -> [u64; 5] {
        [
            self.initial_delay.as_micros() as u64,
            self.max_delay.as_micros() as u64,
            self.factor.to_bits(),
            self.jitter.to_bits(),
            u64::from(self.max_attempts),
        ]
    }

    /// Checks that the numbers make sense.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.initial_delay.is_zero() {
            return Err("reconnect policy: initial_delay must be above zero".into());
        }
        if self.max_delay < self.initial_delay {
            return Err("reconnect policy: max_delay must be at least initial_delay".into());
        }
        if !(self.factor >= 1.0 && self.factor.is_finite()) {
            return Err("reconnect policy: factor must be a finite number of at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err("reconnect policy: jitter must be between 0 and 1".into());
        }
        if self.max_attempts == 0 {
            return Err("reconnect policy: max_attempts must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn delays_grow_exponentially_up_to_the_cap() {
        let policy = ReconnectPolicy::default()
            .initial_delay(ms(100))
            .max_delay(ms(1000))
            .jitter(0.0);
        let delays: Vec<_> = (1..=6).map(|a| policy.delay(a, 0.3)).collect();
        assert_eq!(
            delays,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
    }

    #[test]
    fn jitter_removes_at_most_its_share() {
        let policy = ReconnectPolicy::default()
            .initial_delay(ms(1000))
            .jitter(0.5);
        assert_eq!(policy.delay(1, 0.0), ms(1000));
        assert_eq!(policy.delay(1, 0.5), ms(750));
        assert!(policy.delay(1, 0.999_999) >= ms(500));
        // Out-of-range randomness is clamped rather than trusted.
        assert_eq!(policy.delay(1, 7.0), ms(500));
    }

    #[test]
    fn huge_attempt_numbers_stay_capped() {
        let policy = ReconnectPolicy::default().jitter(0.0);
        assert_eq!(policy.delay(u32::MAX, 0.0), Duration::from_secs(30));
    }

    #[test]
    fn fetch_retries_start_at_the_floor_and_grow_with_jitter_up_to_the_cap() {
        assert_eq!(retry_delay(100, 1, 0.9), ms(100));
        assert_eq!(retry_delay(100, 2, 0.0), ms(100));
        assert_eq!(retry_delay(100, 2, 0.5), ms(150));
        assert_eq!(retry_delay(100, 4, 0.999), ms(799));
        assert_eq!(retry_delay(1000, 40, 0.999_999), ms(29_999));
        // A server asking for more than the cap gets what it asked for.
        assert_eq!(retry_delay(60_000, 3, 0.5), ms(60_000));
        assert_eq!(
            retry_delay(u32::MAX, u32::MAX, 1.0),
            ms(u64::from(u32::MAX))
        );
    }

    #[test]
    fn validation_rejects_nonsense() {
        assert!(ReconnectPolicy::default().validate().is_ok());
        let bad = [
            ReconnectPolicy::default().initial_delay(Duration::ZERO),
            ReconnectPolicy::default().max_delay(ms(10)),
            ReconnectPolicy::default().factor(0.5),
            ReconnectPolicy::default().factor(f64::NAN),
            ReconnectPolicy::default().jitter(1.5),
            ReconnectPolicy::default().max_attempts(0),
        ];
        for policy in bad {
            assert!(policy.validate().is_err(), "{policy:?} should be rejected");
        }
    }
}
