//! JSON values for serializers other than serde_json's own.
//!
//! Numbers are kept as they were written (serde_json's `arbitrary_precision`, see Cargo.toml),
//! so that an integer past 64 bits or a decimal is stored and echoed exactly. The price: a
//! `serde_json::Number` serializes itself as a private one-field struct that only serde_json
//! understands, so handing a `Value` to another format (YAML for `understudy infer`, the
//! configuration layers of figment) would write that struct. [`Plain`] serializes a value with
//! its numbers as the plainest Rust number that holds them: `u64`, `i64`, `i128`/`u128`, else
//! `f64`.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Number, Value};

/// A value that serializes its numbers as Rust numbers, for formats other than JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plain<'a>(pub &'a Value);

impl Serialize for Plain<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => number(n, serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Plain(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    out.serialize_entry(key, &Plain(value))?;
                }
                out.end()
            }
        }
    }
}

fn number<S: Serializer>(n: &Number, serializer: S) -> Result<S::Ok, S::Error> {
    if let Some(u) = n.as_u64() {
        serializer.serialize_u64(u)
    } else if let Some(i) = n.as_i64() {
        serializer.serialize_i64(i)
    } else if let Some(i) = n.as_i128().filter(|_| integer(n)) {
        serializer.serialize_i128(i)
    } else if let Some(u) = n.as_u128().filter(|_| integer(n)) {
        serializer.serialize_u128(u)
    } else {
        // A decimal, or an integer past 128 bits: the nearest `f64`.
        serializer.serialize_f64(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Whether a number was written as an integer.
fn integer(n: &Number) -> bool {
    let text = n.as_str();
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_serialize_as_rust_numbers_not_as_serde_jsons_private_struct() {
        let value: Value =
            serde_json::from_str(r#"{"a": 1, "b": -2, "c": 1.5, "d": [true, null, "x"], "e": 123456789012345678901234567890}"#)
                .unwrap();
        let yaml = serde_saphyr::to_string(&Plain(&value)).unwrap();
        assert!(!yaml.contains("serde_json"), "{yaml}");
        assert!(yaml.contains("e: 123456789012345678901234567890"), "{yaml}");
        let back: Value = crate::files::parse_yaml(&yaml).unwrap();
        assert_eq!(back["a"], 1);
        assert_eq!(back["b"], -2);
        assert_eq!(back["c"].as_f64(), Some(1.5));
        assert_eq!(back["d"], serde_json::json!([true, null, "x"]));
    }
}
