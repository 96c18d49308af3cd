//! Durations as people write them: `10s`, `500ms`, `1m 30s`, and ranges `50ms..200ms`.
//!
//! The configuration (timeouts, the grace period, latency) and scenarios (`delay:` of an
//! operation or a canned answer) read durations the same way, so the parsing and the
//! [`Latency`] value live here, below both.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A duration written as text (`10s`, `500ms`, `1m 30s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationText(pub Duration);

impl Serialize for DurationText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let millis = self.0.as_millis();
        let text = if millis.is_multiple_of(1000) {
            format!("{}s", millis / 1000)
        } else {
            format!("{millis}ms")
        };
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_duration(&text).map(DurationText).map_err(serde::de::Error::custom)
    }
}

/// A duration or a range that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not a duration at all.
    #[error("`{text}` is not a duration such as `10s` or `500ms`: {reason}")]
    Syntax {
        /// The text as written.
        text: String,
        /// What the parser said.
        reason: String,
    },
    /// Below zero.
    #[error("`{text}` is negative")]
    Negative {
        /// The text as written.
        text: String,
    },
    /// A range whose end comes before its start.
    #[error("`{text}`: the range goes down")]
    Descending {
        /// The text as written.
        text: String,
    },
}

/// Parses `10s`, `500ms`, `1m 30s` (jiff's friendly format).
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let signed: jiff::SignedDuration = text.trim().parse().map_err(|e: jiff::Error| {
        DurationError::Syntax { text: text.to_owned(), reason: e.to_string() }
    })?;
    Duration::try_from(signed).map_err(|_| DurationError::Negative { text: text.to_owned() })
}

/// A fixed delay or a range to draw from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Shortest.
    pub min: Duration,
    /// Longest.
    pub max: Duration,
}

impl Latency {
    /// `100ms` or `50ms..200ms`.
    pub fn parse(text: &str) -> Result<Latency, DurationError> {
        match text.split_once("..") {
            Some((min, max)) => {
                let (min, max) = (parse_duration(min)?, parse_duration(max)?);
                if min > max {
                    return Err(DurationError::Descending { text: text.to_owned() });
                }
                Ok(Latency { min, max })
            }
            None => {
                let fixed = parse_duration(text)?;
                Ok(Latency { min: fixed, max: fixed })
            }
        }
    }

    /// A delay from the range.
    pub fn draw(&self) -> Duration {
        if self.min == self.max {
            return self.min;
        }
        let span = (self.max - self.min).as_millis() as u64;
        self.min + Duration::from_millis(fastrand::u64(0..=span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_parse_and_draw_within_their_range() {
        assert_eq!(
            Latency::parse("100ms").unwrap(),
            Latency { min: Duration::from_millis(100), max: Duration::from_millis(100) }
        );
        let range = Latency::parse("10ms..20ms").unwrap();
        for _ in 0..100 {
            let drawn = range.draw();
            assert!(drawn >= Duration::from_millis(10) && drawn <= Duration::from_millis(20));
        }
        assert!(Latency::parse("20ms..10ms").is_err());
        assert!(Latency::parse("fast").is_err());
    }
}
