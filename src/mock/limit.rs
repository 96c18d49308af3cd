//! Rate limits: per API and per token, in fixed windows.
//!
//! A window starts with a token's first request and lasts its length; a request must fit
//! every window of the scenario (Ada: 10 per second, 100 per minute, 10,000 per day). Windows
//! start at first use rather than on the clock's boundaries so that a test sending four
//! requests under a limit of three sees the fourth refused, whenever it runs. The numbers sent
//! back (`limit`, `remaining`, `reset`, `retry_after`) are those of the tightest window; the
//! verdict renders the scenario's limit headers and its 429 message itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;

use crate::mock::respond::{Failure, Reply};
use crate::request::Request;
use crate::scenario::{ErrorKind, Errors, Limits, Window};

/// Counters of every (API, token). Shared by all connections.
#[derive(Debug, Default)]
pub struct Limiter {
    /// By API, then token. A `std::sync::Mutex`: nothing awaits while holding it.
    windows: Mutex<HashMap<String, HashMap<String, Vec<Count>>>>,
}

#[derive(Debug, Clone, Copy)]
struct Count {
    started: Instant,
    started_wall: SystemTime,
    used: u64,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request fits.
    pub allowed: bool,
    /// Requests allowed in the tightest window.
    pub limit: u64,
    /// Requests left in it.
    pub remaining: u64,
    /// When it ends, in Unix seconds.
    pub reset: u64,
    /// Seconds until it ends (at least 1).
    pub retry_after: u64,
}

impl Verdict {
    /// The names templates of limit headers and messages use for the numbers.
    const NAMES: [&str; 4] = ["limit", "remaining", "reset", "retry_after"];

    /// The number templates call `name`.
    pub fn number(&self, name: &str) -> Option<u64> {
        match name {
            "limit" => Some(self.limit),
            "remaining" => Some(self.remaining),
            "reset" => Some(self.reset),
            "retry_after" => Some(self.retry_after),
            _ => None,
        }
    }

    /// What templates of limit headers and messages see: every number, by name.
    pub fn context(&self) -> serde_json::Value {
        let numbers = Verdict::NAMES
            .iter()
            .map(|name| (name.to_string(), serde_json::Value::from(self.number(name))));
        serde_json::Value::Object(numbers.collect())
    }

    /// The 429 for a refused request, with the scenario's `rate-limited` message (which may
    /// name the wait) when it has one.
    pub fn refusal(&self, errors: &Errors) -> Failure {
        let message =
            errors.messages.get(&ErrorKind::RateLimited).map(|t| t.render_text(&self.context()));
        Failure::Rule { status: StatusCode::TOO_MANY_REQUESTS, message }
    }

    /// Sets the scenario's limit headers on `reply` (and its `exceeded-headers` when the
    /// request was refused).
    pub fn set_headers(&self, limits: &Limits, reply: &mut Reply) {
        let exceeded = if self.allowed { &[][..] } else { &limits.exceeded_headers[..] };
        let mut context = None;
        for (name, template) in limits.headers.iter().chain(exceeded) {
            // `{{limit}}` and its like are the numbers themselves: no context to build.
            match template.variable().and_then(|name| self.number(name)) {
                Some(number) => {
                    reply.headers.insert(name.clone(), http::HeaderValue::from(number));
                }
                None => {
                    let context = context.get_or_insert_with(|| self.context());
                    reply.set_header(name, &template.render_text(context));
                }
            }
        }
    }
}

impl Limiter {
    /// Counts `request` against `limits`, under the credential it presents (valid or not; none
    /// counts as `anonymous`).
    pub fn count(&self, api: &str, limits: &Limits, request: &Request) -> Verdict {
        let credential = request.authorization().token().unwrap_or("anonymous");
        self.check(api, credential, &limits.windows)
    }

    /// Counts a request of `token` to `api` against `windows`. A refused request is not
    /// counted.
    pub fn check(&self, api: &str, token: &str, windows: &[Window]) -> Verdict {
        let now = Instant::now();
        let wall = SystemTime::now();
        let mut state = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let counts = crate::mock::store::slot(
            crate::mock::store::slot(&mut state, api, HashMap::new),
            token,
            Vec::new,
        );
        counts.resize(windows.len(), Count { started: now, started_wall: wall, used: 0 });
        for (count, window) in counts.iter_mut().zip(windows) {
            if now.duration_since(count.started) >= Duration::from_secs(window.seconds) {
                *count = Count { started: now, started_wall: wall, used: 0 };
            }
        }
        let allowed = counts.iter().zip(windows).all(|(c, w)| c.used < w.requests);
        if allowed {
            counts.iter_mut().for_each(|c| c.used += 1);
        }
        // The tightest window: the fewest requests left (when refused: one that is full).
        let (count, window) = counts
            .iter()
            .zip(windows)
            .min_by_key(|(c, w)| (w.requests.saturating_sub(c.used), std::cmp::Reverse(w.seconds)))
            .expect("at least one window");
        let ends = count.started_wall + Duration::from_secs(window.seconds);
        let left =
            (count.started + Duration::from_secs(window.seconds)).saturating_duration_since(now);
        Verdict {
            allowed,
            limit: window.requests,
            remaining: window.requests.saturating_sub(count.used),
            reset: ends.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs().max(1)),
            retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
        }
    }

    /// The counters of `api` now, by token: per window (in the order of `windows`), the
    /// requests used and the seconds until it ends; a window that has ended counts 0.
    pub fn counts(&self, api: &str, windows: &[Window]) -> Vec<(String, Vec<(u64, u64)>)> {
        let now = Instant::now();
        let state = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tokens) = state.get(api) else { return Vec::new() };
        let mut out: Vec<(String, Vec<(u64, u64)>)> = tokens
            .iter()
            .map(|(token, counts)| {
                let shown = counts
                    .iter()
                    .zip(windows)
                    .map(|(count, window)| {
                        let ends = count.started + Duration::from_secs(window.seconds);
                        match ends.checked_duration_since(now) {
                            Some(left) => (count.used, left.as_secs_f64().ceil() as u64),
                            None => (0, 0),
                        }
                    })
                    .collect();
                (token.clone(), shown)
            })
            .collect();
        out.sort();
        out
    }

    /// Forgets the counters of `api` (all APIs when `None`).
    pub fn reset(&self, api: Option<&str>) {
        let mut state = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match api {
            Some(api) => {
                state.remove(api);
            }
            None => state.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_and_names_when_to_retry() {
        let limiter = Limiter::default();
        let windows = [Window { requests: 2, seconds: 60 }];
        let first = limiter.check("api", "t", &windows);
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert!(limiter.check("api", "t", &windows).allowed);
        let refused = limiter.check("api", "t", &windows);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!((59..=60).contains(&refused.retry_after), "{refused:?}");
        // Other tokens and APIs have counters of their own.
        assert!(limiter.check("api", "other", &windows).allowed);
        assert!(limiter.check("other", "t", &windows).allowed);
        let counts = limiter.counts("api", &windows);
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert_eq!((counts[1].0.as_str(), counts[1].1[0].0), ("t", 2));
        assert!((59..=60).contains(&counts[1].1[0].1), "{counts:?}");
        limiter.reset(Some("api"));
        assert!(limiter.check("api", "t", &windows).allowed);
        assert!(limiter.counts("nothing", &windows).is_empty());
    }

    #[test]
    fn every_window_must_fit_and_the_tightest_is_reported() {
        let limiter = Limiter::default();
        let windows = [Window { requests: 3, seconds: 1 }, Window { requests: 100, seconds: 60 }];
        let verdict = limiter.check("ada", "t", &windows);
        assert_eq!((verdict.limit, verdict.remaining), (3, 2));
    }
}
