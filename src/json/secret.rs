//! Secrets in JSON values: which names hold them, and a value with them hidden.
//!
//! The admin API shows what passed through understudy (the journal) and what it stores (the
//! state dump); an Arize `api_key` or an Ada `client_secret` must not be readable there, nor
//! end up in a recorded suite. One list of secret-looking names serves the recorder (which
//! turns them into `${env.NAME}` placeholders) and the admin API (which hides them).

use serde_json::Value;

/// What a hidden secret reads as.
pub(crate) const REDACTED: &str = "‹redacted›";

/// Whether a field, header or query parameter of this name holds a secret: `api_key`,
/// `X-Api-Key`, `client_secret`, `password`, `token`, `cookie`, `private_key`...
pub(crate) fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    ["token", "secret", "password", "apikey", "cookie", "privatekey", "credential", "authorization"]
        .iter()
        .any(|s| name.contains(s))
        || name == "key"
        || name.ends_with("key") && !name.ends_with("modelkey")
}

/// Hides, at every depth, the text values of fields with secret-looking names (a boolean
/// `has_api_key` or a number `max_tokens` says nothing secret and stays), and the values at
/// `pointers` (a resource's write-only fields).
pub(crate) fn redact(value: &mut Value, pointers: &[String]) {
    for pointer in pointers {
        if let Some(found) = value.pointer_mut(pointer)
            && !found.is_null()
        {
            *found = Value::String(REDACTED.into());
        }
    }
    redact_names(value, 0);
}

fn redact_names(value: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (name, child) in map.iter_mut() {
                if is_secret_name(name) && matches!(child, Value::String(s) if !s.is_empty()) {
                    *child = Value::String(REDACTED.into());
                } else {
                    redact_names(child, depth + 1);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact_names(item, depth + 1)),
        _ => {}
    }
}

/// A query string with the values of secret-looking parameters hidden
/// (`?api_key=abc&limit=2` → `?api_key=‹redacted›&limit=2`).
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&percent_decode(name)) => {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_are_recognised_and_flags_and_counts_are_not_secrets() {
        for name in
            ["api_key", "X-Api-Key", "client_secret", "password", "accessToken", "Cookie", "key"]
        {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["name", "model_key", "space_id", "keyboard"] {
            assert!(!is_secret_name(name), "{name}");
        }
        let mut value = json!({"config": {"api_key": "sk-1", "has_api_key": true, "max_tokens": 5},
                               "client_secret": "abc", "items": [{"password": "p"}], "name": "n"});
        redact(&mut value, &["/name".into()]);
        assert_eq!(
            value,
            json!({"config": {"api_key": REDACTED, "has_api_key": true, "max_tokens": 5},
                   "client_secret": REDACTED, "items": [{"password": REDACTED}], "name": REDACTED})
        );
        assert_eq!(
            redact_query("api_key=abc&limit=2&x%2Dapi%2Dkey=z"),
            format!("api_key={REDACTED}&limit=2&x%2Dapi%2Dkey={REDACTED}")
        );
    }
}
