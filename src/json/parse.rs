//! Parsing a request body into a [`Value`], with each object made at its final size.
//!
//! serde_json builds an object by inserting into an empty map, so an object of nine members
//! grows its entry list and its hash table three times each on the way (0, 4, 8, 16), and a
//! 2 KB body of small objects pays for it at every level: 5 % of a Teable PATCH's CPU went to
//! that growing. Here an object's members are gathered first on one stack shared by the whole
//! parse (objects nest, so each takes its members off the top when it ends), then moved into a
//! map made for their number. Everything else is serde_json's: the same deserializer (so the
//! same errors, at the same line and column, and the same depth limit), the same numbers (with
//! `arbitrary_precision` a number arrives as a one-member object, which is read as serde_json
//! reads it), and the same map (a repeated member keeps its first place and its last value).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `serde_json::from_slice::<Value>`, with objects made at their final size.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    let mut members = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = Seed { members: &mut members }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The member name serde_json gives a number that it passes as an object
/// (`arbitrary_precision`).
const NUMBER: &str = "$serde_json::private::Number";

/// Reads one value; the objects inside it gather their members on `members`.
struct Seed<'a> {
    members: &'a mut Vec<(String, Value)>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(Seed { members: &mut *self.members })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER {
            // As serde_json reads the digits it passes this way.
            let digits: String = map.next_value()?;
            return digits.parse::<Number>().map(Value::Number).map_err(de::Error::custom);
        }
        let start = self.members.len();
        let value = map.next_value_seed(Seed { members: &mut *self.members })?;
        self.members.push((first, value));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed { members: &mut *self.members })?;
            self.members.push((key, value));
        }
        let mut object = Map::with_capacity(self.members.len() - start);
        for (key, value) in self.members.drain(start..) {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Both parses of `text`: equal values, or errors saying the same at the same place.
    fn same_as_serde_json(text: &str) {
        let ours = from_slice(text.as_bytes());
        let theirs = serde_json::from_slice::<Value>(text.as_bytes());
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => {
                assert_eq!(ours, theirs, "{text}");
                // Equal maps may still differ in order: compare the text too.
                assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
            }
            (Err(ours), Err(theirs)) => assert_eq!(ours.to_string(), theirs.to_string(), "{text}"),
            (ours, theirs) => panic!("{text}: {ours:?} against serde_json's {theirs:?}"),
        }
    }

    #[test]
    fn bodies_parse_as_serde_json_parses_them_numbers_repeats_and_errors_included() {
        for text in [
            r#"{"enable": true, "config": {"llmProviders": [{"type": "openai", "models": "a,b"}]}}"#,
            r#"{"a": 1, "b": -2, "c": 1.50, "d": 1e400, "e": 123456789012345678901234567890}"#,
            r#"{"z": 1, "a": {"x": [], "y": {}}, "z": 2, "m": null}"#,
            r#"[{"a": [{"b": [{"c": {}}]}]}, "x", -0.0, 0, false]"#,
            r#"{"$serde_json::private::Number": "1"}"#,
            "  \"text\" ",
            r#"{"a": 1,}"#,
            r#"{"a": 1} trailing"#,
            r#"{"a": "\ud800"}"#,
            "",
            &"[".repeat(200),
        ] {
            same_as_serde_json(text);
        }
    }

    proptest! {
        #[test]
        fn any_value_reads_back_as_serde_json_reads_it(value in crate::json::arbitrary::value()) {
            same_as_serde_json(&value.to_string());
            same_as_serde_json(&serde_json::to_string_pretty(&value).unwrap());
        }
    }
}
