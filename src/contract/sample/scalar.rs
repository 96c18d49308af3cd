//! Strings and numbers that meet their schema: `format`, `pattern`, `minLength`/`maxLength`,
//! `minimum`/`maximum` (inclusive or exclusive), `multipleOf`, and the ranges of the `int32`
//! and `int64` formats.
//!
//! A static value is the plainest one that fits: the format's fixed value (or `"string"`),
//! padded or cut to length, a text drawn from the pattern with a fixed seed when the plain one
//! does not match it; `0` moved into range and onto a multiple. A varied value starts from the
//! realistic one `realistic.rs` proposes for the property's name, or a random one, and is cut
//! to the same constraints; when it cannot be made to fit, the static value is used.

use serde_json::{Map, Value, json};

use crate::contract::sample::fit::{self, Bound, bounds, fits};
use crate::contract::sample::realistic;

/// How often a pattern is drawn from before giving up on the lengths also fitting.
const DRAWS: usize = 24;

/// A string for `schema` (for a property called `name`): realistic and random when `varied`
/// (dynamic mode), else static; `rng` is the walk's (fixed-seeded for static samples).
pub(super) fn string(
    schema: &Map<String, Value>,
    name: Option<&str>,
    rng: &mut fastrand::Rng,
    varied: bool,
) -> String {
    let format = schema.get("format").and_then(Value::as_str);
    if varied {
        if let Some(text) = realistic::string(name, format, rng)
            && fits(schema, &Value::String(text.clone()))
        {
            return text;
        }
        if let Some(text) = drawn(schema, rng) {
            return text;
        }
        let text = realistic::any_string(format, rng);
        let text = fit_length(schema, text, Some(rng));
        if fits(schema, &Value::String(text.clone())) {
            return text;
        }
    }
    let plain = fit_length(schema, static_text(format).to_owned(), None);
    if schema.contains_key("pattern") && !fits(schema, &Value::String(plain.clone())) {
        return drawn(schema, rng).unwrap_or(plain);
    }
    plain
}

/// The static text of a format.
pub(super) fn static_text(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("time") => "00:00:00Z",
        Some("uri" | "url" | "uri-reference" | "iri" | "iri-reference") => "https://example.com",
        Some("uri-template") => "https://example.com/{id}",
        Some("email" | "idn-email") => "user@example.com",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("hostname" | "idn-hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        Some("byte") => "c3RyaW5n", // "string", in base64
        Some("duration") => "P1D",
        Some("json-pointer") => "/string",
        Some("relative-json-pointer") => "0",
        Some("regex") => ".*",
        Some("int32" | "int64") => "0",
        _ => "string",
    }
}

/// A text drawn from the schema's `pattern` that also meets its lengths and format.
fn drawn(schema: &Map<String, Value>, rng: &mut fastrand::Rng) -> Option<String> {
    let source = schema.get("pattern").and_then(Value::as_str)?;
    let compiled = fit::pattern(source);
    let generator = compiled.draw.as_ref()?;
    let mut first = None;
    for _ in 0..DRAWS {
        let text = generator.draw(rng);
        if fits(schema, &Value::String(text.clone())) {
            return Some(text);
        }
        first.get_or_insert(text);
    }
    first
}

/// `text` padded (with words when `words` lends a random source, else with `x`, as Prism
/// pads) or cut to the schema's lengths.
fn fit_length(
    schema: &Map<String, Value>,
    mut text: String,
    mut words: Option<&mut fastrand::Rng>,
) -> String {
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
    let mut count = text.chars().count();
    while count < min {
        match words.as_deref_mut() {
            Some(rng) => {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(&realistic::word(rng));
            }
            None => text.push('x'),
        }
        count = text.chars().count();
    }
    if let Some(max) = max.filter(|max| count > *max) {
        text = text.chars().take(max).collect();
        if text.ends_with(' ') {
            text = text.trim_end().to_owned();
            while text.chars().count() < min {
                text.push('x');
            }
        }
    }
    text
}

/// A number for `schema` (`integer`: a whole one): when `varied`, random within a range chosen
/// by the property's name; else the static value, `0` moved into range and onto a multiple.
pub(super) fn number(
    schema: &Map<String, Value>,
    integer: bool,
    name: Option<&str>,
    rng: &mut fastrand::Rng,
    varied: bool,
) -> Value {
    let range = Range::of(schema, integer);
    if varied {
        let (low, high) = realistic::number_range(name, integer);
        let (low, high) = range.narrow(low, high);
        let drawn = if integer {
            let (low, high) = (low.ceil() as i64, high.floor() as i64);
            if low <= high { rng.i64(low..=high) as f64 } else { low as f64 }
        } else {
            (low + rng.f64() * (high - low) * 100.0).round() / 100.0
        };
        let snapped = range.snap(drawn);
        if let Some(value) = snapped.filter(|v| range.holds(*v)) {
            return emit(value, integer);
        }
    }
    let start = range.clamp(0.0);
    let value = range.snap(start).filter(|v| range.holds(*v)).unwrap_or(start);
    emit(value, integer)
}

fn emit(value: f64, integer: bool) -> Value {
    if integer {
        json!(value as i64)
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        // A whole `number` is written without a fraction, as people write it.
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// Where a number may lie.
#[derive(Debug, Clone, Copy)]
struct Range {
    low: Bound,
    high: Bound,
    step: Option<f64>,
    integer: bool,
}

impl Range {
    fn of(schema: &Map<String, Value>, integer: bool) -> Range {
        let (mut low, mut high) = bounds(schema);
        let limits = match schema.get("format").and_then(Value::as_str) {
            Some("int32") => Some((i32::MIN as f64, i32::MAX as f64)),
            Some("int64") => Some((-9_007_199_254_740_991.0, 9_007_199_254_740_991.0)),
            _ => None,
        };
        if let Some((min, max)) = limits {
            low = Some(low.map_or((min, true), |l| if l.0 < min { (min, true) } else { l }));
            high = Some(high.map_or((max, true), |h| if h.0 > max { (max, true) } else { h }));
        }
        let step = schema.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0);
        let step = match (step, integer) {
            // A whole number that is a multiple of a fraction: the smallest whole multiple.
            (Some(step), true) if step.fract() != 0.0 => {
                (1..=1000).map(|q| q as f64 * step).find(|m| (m - m.round()).abs() < 1e-9)
            }
            (step, _) => step,
        };
        Range { low, high, step, integer }
    }

    /// The lowest and highest values, with open ends moved in.
    fn ends(&self) -> (f64, f64) {
        let nudge = |bound: f64, up: bool| {
            if self.integer {
                if up { bound.floor() + 1.0 } else { bound.ceil() - 1.0 }
            } else {
                let gap = self.step.unwrap_or(0.01).min(bound.abs().max(1.0) * 1e-6).max(1e-9);
                if up { bound + gap } else { bound - gap }
            }
        };
        let low = match self.low {
            Some((l, true)) => {
                if self.integer {
                    l.ceil()
                } else {
                    l
                }
            }
            Some((l, false)) => nudge(l, true),
            None => f64::MIN,
        };
        let high = match self.high {
            Some((h, true)) => {
                if self.integer {
                    h.floor()
                } else {
                    h
                }
            }
            Some((h, false)) => nudge(h, false),
            None => f64::MAX,
        };
        (low, high)
    }

    fn clamp(&self, value: f64) -> f64 {
        let (low, high) = self.ends();
        if value < low {
            low
        } else if value > high {
            high
        } else {
            value
        }
    }

    /// `[low, high]` cut to the range; the range's own ends when they do not meet.
    fn narrow(&self, low: f64, high: f64) -> (f64, f64) {
        let (min, max) = self.ends();
        let (l, h) = (low.max(min), high.min(max));
        if l <= h {
            return (l, h);
        }
        // The name's range misses the schema's: a stretch at its bounded end.
        match (min > f64::MIN, max < f64::MAX) {
            (true, true) => (min, max),
            (true, false) => (min, min + (high - low).max(1.0)),
            (false, true) => (max - (high - low).max(1.0), max),
            (false, false) => (low, high),
        }
    }

    fn holds(&self, value: f64) -> bool {
        let low_ok = self.low.is_none_or(|(l, inclusive)| value > l || (inclusive && value == l));
        let high_ok = self.high.is_none_or(|(h, inclusive)| value < h || (inclusive && value == h));
        let step_ok = self.step.is_none_or(|s| fit::is_multiple(value, s));
        low_ok && high_ok && step_ok && (!self.integer || value.fract() == 0.0)
    }

    /// The multiple of the step nearest to `value` within the range (`value` when there is
    /// no step), written with as many decimals as the step has.
    fn snap(&self, value: f64) -> Option<f64> {
        let Some(step) = self.step else { return Some(value) };
        let (low, high) = self.ends();
        let first = (low / step).ceil();
        let last = (high / step).floor();
        if first > last {
            return None;
        }
        let k = (value / step).round().clamp(first, last);
        let decimals = decimals(step);
        let mut candidates = [k, k + 1.0, k - 1.0].map(|k| round_to(k * step, decimals));
        candidates.sort_by(|a, b| (a - value).abs().total_cmp(&(b - value).abs()));
        candidates.into_iter().find(|v| self.holds(*v))
    }
}

/// How many decimals `step` is written with.
fn decimals(step: f64) -> usize {
    let text = format!("{step}");
    text.split_once('.').map_or(0, |(_, fraction)| fraction.len())
}

fn round_to(value: f64, decimals: usize) -> f64 {
    format!("{value:.decimals$}").parse().unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(schema: Value) -> Map<String, Value> {
        schema.as_object().unwrap().clone()
    }

    fn fixed() -> fastrand::Rng {
        fastrand::Rng::with_seed(0)
    }

    #[test]
    fn static_strings_keep_the_plain_value_when_it_fits() {
        let text = |schema| string(&map(schema), None, &mut fixed(), false);
        assert_eq!(text(json!({"type": "string"})), "string");
        assert_eq!(text(json!({"minLength": 10, "maxLength": 12})), "stringxxxx");
        assert_eq!(text(json!({"maxLength": 3})), "str");
        assert_eq!(text(json!({"format": "date-time"})), "2026-01-01T00:00:00Z");
        assert_eq!(text(json!({"pattern": "^[a-z]+$"})), "string");
        assert_eq!(text(json!({"format": "byte"})), "c3RyaW5n");
    }

    #[test]
    fn static_strings_are_drawn_from_a_pattern_the_plain_value_misses() {
        let schema = map(json!({"type": "string", "pattern": r"^[\da-z]{26}$"}));
        let text = string(&schema, None, &mut fixed(), false);
        assert!(fits(&schema, &json!(text)), "{text}");
        assert_eq!(text, string(&schema, None, &mut fixed(), false), "static is repeatable");
        let both = map(json!({"pattern": "^[A-Z]+$", "minLength": 3, "maxLength": 4}));
        let text = string(&both, None, &mut fixed(), false);
        assert!(fits(&both, &json!(text)), "{text}");
    }

    #[test]
    fn numbers_meet_bounds_exclusive_bounds_and_multiples() {
        let number_of = |schema, integer| number(&map(schema), integer, None, &mut fixed(), false);
        assert_eq!(number_of(json!({"minimum": 3}), true), json!(3));
        assert_eq!(number_of(json!({"exclusiveMinimum": 3}), true), json!(4));
        assert_eq!(number_of(json!({"maximum": -5}), true), json!(-5));
        assert_eq!(number_of(json!({"exclusiveMaximum": -5}), true), json!(-6));
        assert_eq!(number_of(json!({"minimum": 1, "multipleOf": 5}), true), json!(5));
        assert_eq!(number_of(json!({"minimum": 1, "multipleOf": 0.5}), true), json!(1));
        assert_eq!(number_of(json!({"minimum": 0.3, "multipleOf": 0.25}), false), json!(0.5));
        assert_eq!(number_of(json!({"minimum": 0.01, "multipleOf": 0.01}), false), json!(0.01));
        let open = map(json!({"exclusiveMinimum": 0, "exclusiveMaximum": 0.5}));
        let value = number(&open, false, None, &mut fixed(), false);
        assert!(fits(&open, &value), "{value}");
        let int32 = map(json!({"format": "int32", "minimum": -9e12}));
        assert_eq!(number(&int32, true, None, &mut fixed(), false), json!(0));
    }

    #[test]
    fn varied_values_stay_in_their_constraints() {
        let mut rng = fastrand::Rng::with_seed(9);
        for schema in [
            json!({"type": "integer", "minimum": 10, "maximum": 12}),
            json!({"type": "integer", "format": "int32", "multipleOf": 7}),
            json!({"type": "number", "exclusiveMinimum": 0, "maximum": 1, "multipleOf": 0.1}),
            json!({"type": "integer", "minimum": 2000}),
        ] {
            let schema = map(schema);
            let integer = schema["type"] == "integer";
            for _ in 0..50 {
                let value = number(&schema, integer, Some("age"), &mut rng, true);
                assert!(fits(&schema, &value), "{schema:?}: {value}");
            }
        }
        for schema in [
            json!({"type": "string", "maxLength": 4}),
            json!({"type": "string", "minLength": 40}),
            json!({"type": "string", "format": "email", "maxLength": 64}),
            json!({"type": "string", "pattern": r"^\d{3}-\d{4}$"}),
            json!({"type": "string", "format": "date"}),
        ] {
            let schema = map(schema);
            for _ in 0..50 {
                let text = string(&schema, Some("email"), &mut rng, true);
                assert!(fits(&schema, &json!(text)), "{schema:?}: {text}");
            }
        }
    }
}
