//! Whether a candidate value meets the keywords of one schema node that can be read without a
//! validator: `type`, `enum`/`const`, string lengths, `pattern` and the common formats, numeric
//! bounds and `multipleOf`. Objects and arrays are taken as they are (their members are
//! checked where they are made).
//!
//! The generator vets every value it did not build to measure with this: a schema's own
//! `example` or `default`, a realistic value chosen by a property's name, an `enum` member.
//! The whole sample is still checked with the compiled validator afterwards (`mod.rs`); this
//! only keeps a misfit from being picked when a fitting value is at hand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use crate::random::Pattern;

/// A `pattern`, ready both to test text and to draw text from.
#[derive(Debug)]
pub(super) struct Compiled {
    /// For testing (`None`: the `regex` crate cannot read it, and text is taken as fitting).
    pub(super) test: Option<regex::Regex>,
    /// For drawing (`None`: `rand_regex` cannot draw from it).
    pub(super) draw: Option<Pattern>,
}

/// Patterns are compiled once per process: dynamic answers meet the same few patterns on every
/// request. Past this many distinct patterns the cache starts again empty.
const PATTERN_CACHE: usize = 1024;

/// The compiled form of `pattern`, from the process-wide cache.
pub(super) fn pattern(pattern: &str) -> Arc<Compiled> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Compiled>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(pattern) {
        return found.clone();
    }
    let compiled = Arc::new(Compiled {
        test: regex::Regex::new(pattern).ok(),
        draw: Pattern::new(pattern).ok(),
    });
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    if cache.len() >= PATTERN_CACHE {
        cache.clear();
    }
    cache.insert(pattern.to_owned(), compiled.clone());
    compiled
}

/// Whether `value` meets the locally checkable keywords of `schema`.
pub(super) fn fits(schema: &Map<String, Value>, value: &Value) -> bool {
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return false;
    }
    if let Some(members) = schema.get("enum").and_then(Value::as_array)
        && !members.contains(value)
    {
        return false;
    }
    if !type_fits(schema.get("type"), value) {
        return false;
    }
    match value {
        Value::String(text) => string_fits(schema, text),
        Value::Number(_) => number_fits(schema, value.as_f64().unwrap_or_default()),
        _ => true,
    }
}

/// Whether `value` is of one of the types `types` names (no `type`: any).
pub(super) fn type_fits(types: Option<&Value>, value: &Value) -> bool {
    let one = |name: &str| match name {
        "string" => value.is_string(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    };
    match types {
        Some(Value::String(name)) => one(name),
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).any(one),
        _ => true,
    }
}

fn string_fits(schema: &Map<String, Value>, text: &str) -> bool {
    let length = text.chars().count() as u64;
    if schema.get("minLength").and_then(Value::as_u64).is_some_and(|min| length < min)
        || schema.get("maxLength").and_then(Value::as_u64).is_some_and(|max| length > max)
    {
        return false;
    }
    if let Some(source) = schema.get("pattern").and_then(Value::as_str)
        && pattern(source).test.as_ref().is_some_and(|test| !test.is_match(text))
    {
        return false;
    }
    format_fits(schema.get("format").and_then(Value::as_str), text)
}

/// Whether `text` reads as `format` (the formats the self-check checks; others: any text).
pub(super) fn format_fits(format: Option<&str>, text: &str) -> bool {
    match format {
        Some("date-time") => text.parse::<jiff::Timestamp>().is_ok() && text.contains('T'),
        Some("date") => text.len() == 10 && text.parse::<jiff::civil::Date>().is_ok(),
        Some("time") => {
            let offset = text.find(['Z', 'z', '+', '-']).unwrap_or(text.len());
            text[..offset].parse::<jiff::civil::Time>().is_ok() && offset < text.len()
        }
        Some("email" | "idn-email") => text
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.')),
        Some("uuid") => {
            let groups: Vec<&str> = text.split('-').collect();
            groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
                && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
        }
        Some("ipv4") => text.parse::<std::net::Ipv4Addr>().is_ok(),
        Some("ipv6") => text.parse::<std::net::Ipv6Addr>().is_ok(),
        Some("hostname" | "idn-hostname") => {
            !text.is_empty()
                && text.len() <= 253
                && text.split('.').all(|label| {
                    (1..=63).contains(&label.len())
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        }
        Some("uri" | "iri") => fluent_uri::Uri::parse(text).is_ok(),
        Some("url") => crate::contract::schema::is_http_url(text),
        _ => true,
    }
}

/// One end of a number's range: the bound and whether it is inclusive.
pub(super) type Bound = Option<(f64, bool)>;

/// The bounds of a number schema, below and above.
pub(super) fn bounds(schema: &Map<String, Value>) -> (Bound, Bound) {
    let bound = |inclusive: &str, exclusive: &str| {
        let closed = schema.get(inclusive).and_then(Value::as_f64);
        match schema.get(exclusive) {
            Some(Value::Number(n)) => {
                let open = n.as_f64().unwrap_or_default();
                match closed {
                    // Both given: the tighter one.
                    Some(c)
                        if (inclusive == "minimum" && c > open)
                            || (inclusive == "maximum" && c < open) =>
                    {
                        Some((c, true))
                    }
                    _ => Some((open, false)),
                }
            }
            // The 3.0 form, in a schema that was not rewritten.
            Some(Value::Bool(true)) => closed.map(|c| (c, false)),
            _ => closed.map(|c| (c, true)),
        }
    };
    (bound("minimum", "exclusiveMinimum"), bound("maximum", "exclusiveMaximum"))
}

fn number_fits(schema: &Map<String, Value>, number: f64) -> bool {
    let (low, high) = bounds(schema);
    if low.is_some_and(|(l, inclusive)| number < l || (!inclusive && number == l))
        || high.is_some_and(|(h, inclusive)| number > h || (!inclusive && number == h))
    {
        return false;
    }
    match schema.get("multipleOf").and_then(Value::as_f64).filter(|m| *m > 0.0) {
        Some(step) => is_multiple(number, step),
        None => true,
    }
}

/// Whether `number / step` is a whole number, read in decimals as the validator reads them
/// (`0.07` is a multiple of `0.01`).
pub(super) fn is_multiple(number: f64, step: f64) -> bool {
    let quotient = number / step;
    (quotient - quotient.round()).abs() < 1e-9 * quotient.abs().max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fits_json(schema: Value, value: Value) -> bool {
        fits(schema.as_object().unwrap(), &value)
    }

    #[test]
    fn scalars_are_checked_for_type_enum_lengths_patterns_and_formats() {
        assert!(fits_json(json!({"type": ["integer", "null"]}), json!(null)));
        assert!(!fits_json(json!({"type": "integer"}), json!(1.5)));
        assert!(!fits_json(json!({"enum": ["a"]}), json!("b")));
        assert!(!fits_json(json!({"minLength": 3}), json!("ab")));
        assert!(!fits_json(json!({"pattern": "^[a-z]+$"}), json!("AB")));
        assert!(fits_json(json!({"pattern": "^[a-z]+$"}), json!("ab")));
        assert!(fits_json(json!({"format": "date-time"}), json!("2026-01-01T00:00:00Z")));
        assert!(!fits_json(json!({"format": "date-time"}), json!("2026-01-01")));
        assert!(fits_json(json!({"format": "time"}), json!("00:00:00Z")));
        assert!(!fits_json(json!({"format": "uuid"}), json!("string")));
        assert!(!fits_json(json!({"format": "email"}), json!("string")));
        assert!(!fits_json(json!({"format": "hostname"}), json!("-a.com")));
    }

    #[test]
    fn numbers_are_checked_for_bounds_and_decimal_multiples() {
        assert!(!fits_json(json!({"exclusiveMinimum": 0}), json!(0)));
        assert!(fits_json(json!({"minimum": 0}), json!(0)));
        assert!(!fits_json(json!({"maximum": 10, "exclusiveMaximum": 5}), json!(7)));
        assert!(fits_json(json!({"multipleOf": 0.01}), json!(0.07)));
        assert!(!fits_json(json!({"multipleOf": 3}), json!(7)));
    }
}
