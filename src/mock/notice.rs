//! Saying that a bound bit, once per kind of occurrence rather than once per request.
//!
//! The bounds on what grows with traffic (sessions, rate-limit counters, the journal, the
//! response cache) bite under exactly the traffic that would turn a log line per occurrence
//! into a flood. A [`Notice`] lets the first occurrence through at once, then at most one line
//! a minute, which says how many occurred since the last one.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a notice speaks again while its bound keeps biting.
const EVERY: Duration = Duration::from_secs(60);

/// One kind of occurrence (a `static` per kind).
#[derive(Debug)]
pub(crate) struct Notice {
    /// When it last spoke, and how many occurrences it has kept quiet about since.
    state: Mutex<Option<(Instant, u64)>>,
}

impl Notice {
    /// A notice that has not spoken yet.
    pub(crate) const fn new() -> Notice {
        Notice { state: Mutex::new(None) }
    }

    /// Counts an occurrence; `Some(n)` when it is time to say so, `n` being the occurrences
    /// this line speaks for (1 the first time, then all of those since the last line).
    pub(crate) fn hit(&self) -> Option<u64> {
        self.hit_at(Instant::now())
    }

    fn hit_at(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &mut *state {
            Some((last, quiet)) if now.duration_since(*last) < EVERY => {
                *quiet += 1;
                None
            }
            Some((last, quiet)) => {
                let spoken = *quiet + 1;
                *last = now;
                *quiet = 0;
                Some(spoken)
            }
            None => {
                *state = Some((now, 0));
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_occurrence_speaks_then_one_line_a_minute_counts_the_rest() {
        let notice = Notice::new();
        let start = Instant::now();
        assert_eq!(notice.hit_at(start), Some(1));
        for second in 1..60 {
            assert_eq!(notice.hit_at(start + Duration::from_secs(second)), None);
        }
        assert_eq!(notice.hit_at(start + Duration::from_secs(61)), Some(60));
        assert_eq!(notice.hit_at(start + Duration::from_secs(62)), None);
    }
}
