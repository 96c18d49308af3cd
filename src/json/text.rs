//! Values as text, and bodies as values.
//!
//! Templates, keys, headers and diffs all need "the text of a value": a string without its
//! quotes, anything else as compact JSON. One function says it, so that a record's key, a
//! rendered header and a diff token agree on how `42` or `true` is written.

use serde_json::Value;

/// A value as text: strings unquoted, anything else as compact JSON.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => compact(other),
    }
}

/// [`as_text`] of a value that may be absent (absent is the empty text): how a record's key
/// field reads.
pub(crate) fn key_text(value: Option<&Value>) -> String {
    value.map(as_text).unwrap_or_default()
}

/// Compact JSON text, written straight into a buffer (`Display` goes through a formatter,
/// piece by piece, several times slower).
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A message body as a value: JSON when it parses, else its text, `null` when empty.
pub(crate) fn body_value(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_lose_their_quotes_and_the_rest_is_compact_json() {
        assert_eq!(as_text(&json!("a b")), "a b");
        assert_eq!(as_text(&json!(42)), "42");
        assert_eq!(as_text(&json!({"a": [1, true]})), r#"{"a":[1,true]}"#);
        assert_eq!(key_text(None), "");
        assert_eq!(key_text(Some(&json!(7))), "7");
    }

    #[test]
    fn bodies_are_json_when_they_parse_and_text_otherwise() {
        assert_eq!(body_value(b""), Value::Null);
        assert_eq!(body_value(br#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(body_value(b"plain"), json!("plain"));
    }
}
