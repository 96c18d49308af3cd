//! A value made as small as its contents: every array, object and string of it holding no
//! room for more.
//!
//! serde_json grows what it parses one push at a time: an array of one item keeps room for
//! four (a value is 72 bytes), an object of one key room for three entries (112 bytes each)
//! and a hash table, and so on. For a value read once and then kept for the life of the
//! process (a contract's rewritten document, a scenario's seed records), that room is a third
//! of its heap: GitBook's 3.1 document takes 318 kB parsed and 215 kB compacted. Compacting
//! costs a pass that rebuilds every object at its size (about a third of the parse's time), so
//! it is for values that are kept, not for those of one request. Values kept more than once
//! can be kept once instead: [`identical`] says when two are the same, key order included.

use serde_json::{Map, Value};

/// Rebuilds `value` in place with no spare room in any of its arrays, objects or strings. The
/// value stays equal to what it was, keys in the same order.
pub(crate) fn compact(value: &mut Value) {
    // A stack rather than recursion: a value's depth is its writer's choice.
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => {
                items.shrink_to_fit();
                pending.extend(items.iter_mut());
            }
            Value::Object(object) => {
                // `Map` has no `shrink_to_fit`: one made at its size holds no more.
                let entries = std::mem::take(object);
                let mut sized = Map::with_capacity(entries.len());
                sized.extend(entries);
                *object = sized;
                pending.extend(object.values_mut());
            }
            Value::String(text) => text.shrink_to_fit(),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Whether two values are the same, keys in the same order: serde_json's `==` ignores the order
/// of an object's keys, which a record shows its clients. What is identical can be kept once
/// and shared (`scenario/load.rs`).
pub(crate) fn identical(a: &Value, b: &Value) -> bool {
    let mut pending = vec![(a, b)];
    while let Some(pair) = pending.pop() {
        match pair {
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                pending.extend(a.iter().zip(b));
            }
            (Value::Object(a), Value::Object(b)) if a.len() == b.len() => {
                for ((key_a, a), (key_b, b)) in a.iter().zip(b) {
                    if key_a != key_b {
                        return false;
                    }
                    pending.push((a, b));
                }
            }
            (Value::Array(_) | Value::Object(_), _) => return false,
            (a, b) if a != b => return false,
            _ => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Every array of `value`, with its length and capacity.
    fn arrays(value: &Value, out: &mut Vec<(usize, usize)>) {
        match value {
            Value::Array(items) => {
                out.push((items.len(), items.capacity()));
                items.iter().for_each(|item| arrays(item, out));
            }
            Value::Object(object) => object.values().for_each(|v| arrays(v, out)),
            _ => {}
        }
    }

    #[test]
    fn a_compacted_array_holds_no_room_for_more() {
        let mut value: Value =
            serde_json::from_str(r#"{"a": [1], "b": {"c": [[], [1, 2, 3, 4, 5]]}}"#).unwrap();
        let mut before = Vec::new();
        arrays(&value, &mut before);
        assert!(before.iter().any(|(len, capacity)| capacity > len), "parsing leaves room");
        compact(&mut value);
        let mut after = Vec::new();
        arrays(&value, &mut after);
        assert!(after.iter().all(|(len, capacity)| capacity == len), "{after:?}");
    }

    #[test]
    fn a_compacted_object_keeps_its_keys_in_order() {
        let mut value = json!({"z": 1, "a": {"y": [true, null], "b": "text"}, "m": 1.50});
        let text = value.to_string();
        compact(&mut value);
        assert_eq!(value.to_string(), text);
        assert_eq!(value["a"]["b"], "text");
    }

    #[test]
    fn a_deep_value_is_compacted_without_recursion() {
        let mut value = json!(0);
        for _ in 0..100_000 {
            value = Value::Array(vec![value]);
        }
        compact(&mut value);
        let mut depth = 0;
        let mut at = &value;
        while let Value::Array(items) = at {
            assert_eq!(items.capacity(), 1);
            at = &items[0];
            depth += 1;
        }
        assert_eq!(depth, 100_000);
        // Dropping it recursively would overflow the test's stack: take it apart in a loop.
        while let Value::Array(mut items) = value {
            value = items.pop().unwrap_or(Value::Null);
        }
    }

    #[test]
    fn values_with_their_keys_in_another_order_are_not_identical() {
        let a = json!({"id": 1, "name": "a", "tags": [{"x": 1, "y": 2}]});
        assert!(identical(&a, &a.clone()));
        let reordered = json!({"name": "a", "id": 1, "tags": [{"x": 1, "y": 2}]});
        assert_eq!(a, reordered, "serde_json's `==` ignores the order");
        assert!(!identical(&a, &reordered));
        let nested = json!({"id": 1, "name": "a", "tags": [{"y": 2, "x": 1}]});
        assert!(!identical(&a, &nested));
        assert!(!identical(&json!([1, 2]), &json!([1, 2, 3])));
        assert!(!identical(&json!({"a": [1]}), &json!({"a": {"0": 1}})));
        assert!(!identical(&json!(1), &json!(1.0)), "numbers are kept as written");
    }

    proptest! {
        #[test]
        fn values_are_identical_to_their_clones_and_not_to_other_text(
            a in crate::json::arbitrary::value(),
            b in crate::json::arbitrary::value(),
        ) {
            prop_assert!(identical(&a, &a.clone()));
            // The same text, key order included, is the same value.
            let (text_a, text_b) = (a.to_string(), b.to_string());
            prop_assert_eq!(identical(&a, &b), text_a == text_b);
        }

        #[test]
        fn compacting_changes_no_value(value in crate::json::arbitrary::value()) {
            let text = value.to_string();
            let mut compacted = value.clone();
            compact(&mut compacted);
            prop_assert_eq!(compacted.to_string(), text);
            prop_assert_eq!(compacted, value);
        }
    }
}
