//! JSON pointers (RFC 6901): tokens escaped and unescaped, appended, and looked up.
//!
//! Pointers name every place understudy reports on (a violation's `/config/name`, a rule's
//! `/items/*/id`, a schema's `/components/schemas/X`), so these few functions are shared by
//! every wing rather than written again where each needs them.

use std::borrow::Cow;

use serde_json::{Map, Value};

/// Escapes one reference token of a JSON pointer (RFC 6901); borrowed when there is nothing
/// to escape.
pub(crate) fn escape_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Unescapes one reference token of a JSON pointer (RFC 6901): `~1` is `/`, `~0` is `~`.
pub(crate) fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Appends one token to a JSON pointer.
pub(crate) fn push_token(pointer: &str, token: &str) -> String {
    let token = escape_token(token);
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&token);
    out
}

/// `Value::pointer` without an allocation per token (references are followed on the request
/// path, when defaults are filled in).
pub(crate) fn pointer<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut current = doc;
    for token in rest.split('/') {
        let token = unescape_token(token);
        current = match current {
            Value::Object(map) => crate::json::member::member(map, &token)?,
            Value::Array(items) => items.get(array_index(&token)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// An array index as RFC 6901 writes it, and serde_json reads it: `0`, or digits without a
/// leading zero or sign.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// The unescaped reference tokens of a pointer (`/a~1b/0` → `["a/b", "0"]`).
pub(crate) fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|t| unescape_token(t).into_owned()).collect()
}

/// Sets the value at a JSON pointer, creating objects on the way.
pub(crate) fn set(target: &mut Value, pointer: &str, value: Value) {
    let tokens = tokens(pointer);
    let Some((last, path)) = tokens.split_last() else {
        *target = value;
        return;
    };
    let mut current = target;
    for token in path {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        current = current
            .as_object_mut()
            .expect("just made an object")
            .entry(token.clone())
            .or_insert(Value::Null);
    }
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    current.as_object_mut().expect("just made an object").insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_escape_and_unescape_both_ways() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(unescape_token("a~1b~0c"), "a/b~c");
        assert_eq!(push_token("/paths", "/a/{id}"), "/paths/~1a~1{id}");
        assert_eq!(tokens("/a~1b/0"), ["a/b", "0"]);
    }

    #[test]
    fn pointers_look_up_objects_and_arrays() {
        let doc = json!({"a/b": [{"c": 1}]});
        assert_eq!(pointer(&doc, "/a~1b/0/c"), Some(&json!(1)));
        assert_eq!(pointer(&doc, ""), Some(&doc));
        assert_eq!(pointer(&doc, "/a~1b/x"), None);
        assert_eq!(pointer(&doc, "no-slash"), None);
        for odd in ["/a~1b/00/c", "/a~1b/+0/c", "/a~1b/-0/c", "/a~1b/ 0/c"] {
            assert_eq!(pointer(&doc, odd), doc.pointer(odd), "{odd}");
        }
        let wide = json!({"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7, "k8": 8});
        for name in ["/k0", "/k8", "/k9"] {
            assert_eq!(pointer(&wide, name), wide.pointer(name), "{name}");
        }
    }

    #[test]
    fn set_pointer_creates_the_path() {
        let mut value = json!({"a": 1});
        set(&mut value, "/config/has_key", json!(true));
        assert_eq!(value, json!({"a": 1, "config": {"has_key": true}}));
    }
}
