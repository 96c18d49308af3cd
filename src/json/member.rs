//! Looking a member up in a small object without hashing its name.
//!
//! serde_json keeps an object (with `preserve_order`) in an `IndexMap` hashed with std's
//! SipHash, about 130 instructions a name, before the table is even probed. Most objects
//! understudy looks into are small (a record's fields, a schema's keywords), and comparing the
//! names in order costs a few instructions each. SipHash was 15 % of a Teable PATCH's
//! instructions and of start-up's; these lookups were a third of it. Objects larger than
//! [`SCAN`] members are looked up through their hash table as before.

use serde_json::{Map, Value};

/// Objects of up to this many members are searched in order.
const SCAN: usize = 8;

/// `map.get(name)`, without hashing `name` in a small object.
pub(crate) fn member<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if map.len() <= SCAN {
        map.iter().find_map(|(key, value)| (key == name).then_some(value))
    } else {
        map.get(name)
    }
}

/// `map.get_mut(name)`, without hashing `name` in a small object.
pub(crate) fn member_mut<'a>(map: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Value> {
    if map.len() <= SCAN {
        map.iter_mut().find_map(|(key, value)| (key == name).then_some(value))
    } else {
        map.get_mut(name)
    }
}

/// `value.get(name)` for an object `value` (`None` for anything else), without hashing `name`
/// in a small object.
pub(crate) fn get<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    value.as_object().and_then(|map| member(map, name))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    #[rstest]
    #[case::small(json!({"a": 1, "ab": 2, "": 3, "b": 4}))]
    #[case::large(json!({"a": 1, "ab": 2, "": 3, "b": 4, "c": 5, "d": 6, "e": 7, "f": 8, "g": 9, "h": 10}))]
    fn members_are_found_as_the_map_finds_them(#[case] value: Value) {
        let mut map = value.as_object().unwrap().clone();
        for name in ["a", "ab", "", "b", "h", "x", "A", "abc"] {
            assert_eq!(member(&map, name), map.get(name), "{name}");
            assert_eq!(get(&value, name), value.get(name), "{name}");
            let expected = map.get(name).cloned();
            assert_eq!(member_mut(&mut map, name).map(|v| v.clone()), expected, "{name}");
        }
        if let Some(found) = member_mut(&mut map, "b") {
            *found = json!("changed");
        }
        assert_eq!(map["b"], "changed");
        assert_eq!(get(&json!([1]), "a"), None);
    }
}
