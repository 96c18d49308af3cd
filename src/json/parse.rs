//! Parsing JSON into a [`Value`] with each object and array made at its final size: request
//! bodies, and the contracts and scenarios read at start-up.
//!
//! serde_json builds an object by inserting into an empty map, so an object of nine members grows
//! its entry list and its hash table three times each on the way (0, 4, 8, 16), and an array its
//! list the same way, and keeps the room it grew (a third of a parsed document's heap, see
//! `compact.rs`). perf put the growing at 5 % of a Teable PATCH's CPU and 8 % of start-up's;
//! callgrind counts about the same instructions either way, so what this surely gives is values
//! without spare room. Here an object's members are gathered first on one stack shared by the whole
//! parse (values nest, so each takes its own off the top when it ends), then moved into a map made
//! for their number; an array's items likewise on a second stack. Everything else is serde_json's:
//! the same deserializer (so the same errors, at the same line and column, and the same depth
//! limit), the same numbers (with `arbitrary_precision` a number arrives as a one-member object,
//! which is read as serde_json reads it), and the same map (a repeated member keeps its first place
//! and its last value).

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// `serde_json::from_slice::<Value>`, with objects and arrays made at their final size.
///
/// Bytes that are UTF-8 throughout (every valid body) are read as text: serde_json then checks
/// no string on its own, where reading bytes it runs `str::from_utf8` on each one (40 strings a
/// Teable PATCH body: 4,400 instructions of its 174,000). One check of the whole body costs a
/// fifth of that, and the parse 4,000 instructions less in all. Other bytes are read as bytes,
/// so their error is serde_json's, at its line and column.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text),
        Err(_) => read(serde_json::Deserializer::from_slice(bytes)),
    }
}

/// `serde_json::from_str::<Value>`, with objects and arrays made at their final size.
pub(crate) fn from_str(text: &str) -> Result<Value, serde_json::Error> {
    read(serde_json::Deserializer::from_str(text))
}

fn read<'de, R: serde_json::de::Read<'de>>(
    mut deserializer: serde_json::Deserializer<R>,
) -> Result<Value, serde_json::Error> {
    let (mut members, mut items) = (Vec::new(), Vec::new());
    let value = Seed { members: &mut members, items: &mut items }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The member name serde_json gives a number that it passes as an object
/// (`arbitrary_precision`).
const NUMBER: &str = "$serde_json::private::Number";

/// Reads one value; the objects inside it gather their members on `members`, the arrays their
/// items on `items`.
struct Seed<'a> {
    members: &'a mut Vec<(String, Value)>,
    items: &'a mut Vec<Value>,
}

impl Seed<'_> {
    /// The seed for a value inside this one, on the same stacks.
    fn inner(&mut self) -> Seed<'_> {
        Seed { members: &mut *self.members, items: &mut *self.items }
    }
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

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let start = self.items.len();
        while let Some(item) = seq.next_element_seed(self.inner())? {
            self.items.push(item);
        }
        Ok(Value::Array(self.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Value::Object(Map::new()));
        };
        if first == NUMBER {
            // As serde_json reads the digits it passes this way.
            let digits: String = map.next_value()?;
            return digits.parse::<Number>().map(Value::Number).map_err(de::Error::custom);
        }
        let start = self.members.len();
        let value = map.next_value_seed(self.inner())?;
        self.members.push((first, value));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(self.inner())?;
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

    /// Both parses of `text`, as bytes and as text: equal values, or errors saying the same at
    /// the same place.
    fn same_as_serde_json(text: &str) {
        for (ours, theirs) in [
            (from_slice(text.as_bytes()), serde_json::from_slice::<Value>(text.as_bytes())),
            (from_str(text), serde_json::from_str::<Value>(text)),
        ] {
            same(text, ours, theirs);
        }
    }

    fn same(
        text: &str,
        ours: Result<Value, serde_json::Error>,
        theirs: Result<Value, serde_json::Error>,
    ) {
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
    fn text_parses_as_serde_json_parses_it_numbers_repeats_and_errors_included() {
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

    #[test]
    fn bytes_that_are_not_utf8_fail_as_serde_json_fails_them() {
        for bytes in
            [&b"{\"a\": \"\xff\"}"[..], b"{\"a\xc3\": 1}", b"[1, \xe2\x82]", b"\xef\xbb\xbf{}"]
        {
            let ours = from_slice(bytes).unwrap_err().to_string();
            let theirs = serde_json::from_slice::<Value>(bytes).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(bytes));
        }
    }

    #[test]
    fn arrays_hold_no_room_for_more() {
        let value = from_str(r#"{"a": [1, 2, 3, 4, 5], "b": [[true], []]}"#).unwrap();
        for array in [&value["a"], &value["b"], &value["b"][0]] {
            let items = array.as_array().unwrap();
            assert_eq!(items.capacity(), items.len(), "{array}");
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
