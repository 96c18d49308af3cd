//! Combining a request body with a stored value, by strategy.
//!
//! The strategy for the whole body comes from the operation (`merge:`); any JSON pointer
//! inside it may have its own (`paths:`). A strategy applies at its level; for the levels
//! below, `deep-merge` and `merge-patch` keep merging recursively while `merge` (one level) and
//! the others hand over to `replace`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json::pointer::push_token;
use crate::scenario::Merge;

/// Combines `new` into `old` (both at `pointer`), following `default` and the per-pointer
/// `paths` strategies. Returns the combined value; `None` means the key is to be removed.
/// Both values are consumed: what is kept is moved, not copied.
pub(crate) fn apply(
    old: Option<Value>,
    new: Value,
    pointer: &str,
    default: Merge,
    paths: &BTreeMap<String, Merge>,
) -> Option<Value> {
    let strategy = paths.get(pointer).copied().unwrap_or(default);
    match strategy {
        Merge::Replace => Some(new),
        Merge::IgnoreNull => match (new, old) {
            (Value::Null, old) => old,
            (new, _) => Some(new),
        },
        Merge::Append => match (old, new) {
            (Some(Value::Array(mut old)), Value::Array(new)) => {
                old.extend(new);
                Some(Value::Array(old))
            }
            (_, new) => Some(new),
        },
        Merge::Merge | Merge::DeepMerge | Merge::MergePatch => {
            if strategy == Merge::MergePatch && new.is_null() {
                return None;
            }
            let (mut out, new) = match (old, new) {
                (Some(Value::Object(old)), Value::Object(new)) => (old, new),
                (_, new) => return Some(strip_nulls(new, strategy)),
            };
            let below = match strategy {
                Merge::Merge => Merge::Replace,
                other => other,
            };
            for (key, value) in new {
                // Pointers are only written out when some path has a strategy of its own.
                let child =
                    if paths.is_empty() { String::new() } else { push_token(pointer, &key) };
                let old = out.get_mut(&key).map(std::mem::take);
                match apply(old, value, &child, below, paths) {
                    Some(value) => {
                        out.insert(key, value);
                    }
                    None => {
                        out.shift_remove(&key);
                    }
                }
            }
            Some(Value::Object(out))
        }
    }
}

/// RFC 7396: in a value that replaces nothing, `null` members are dropped too.
fn strip_nulls(value: Value, strategy: Merge) -> Value {
    match (strategy, value) {
        (Merge::MergePatch, Value::Object(map)) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v, strategy)))
                .collect(),
        ),
        (_, value) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merge(old: Value, new: Value, default: Merge, paths: &[(&str, Merge)]) -> Value {
        let paths = paths.iter().map(|(p, m)| (p.to_string(), *m)).collect();
        apply(Some(old), new, "", default, &paths).unwrap()
    }

    #[test]
    fn merge_replaces_top_level_keys_only() {
        let old = json!({"enable": true, "config": {"a": 1, "b": 2}});
        assert_eq!(
            merge(old, json!({"config": {"a": 9}}), Merge::Merge, &[]),
            json!({"enable": true, "config": {"a": 9}})
        );
    }

    #[test]
    fn deep_merge_keeps_nested_keys_and_stores_null() {
        let old =
            json!({"name": "x", "config": {"provider": "openAI", "api_key": "k", "flag": true}});
        assert_eq!(
            merge(old, json!({"config": {"api_key": null, "flag": false}}), Merge::DeepMerge, &[]),
            json!({"name": "x", "config": {"provider": "openAI", "api_key": null, "flag": false}})
        );
    }

    #[test]
    fn merge_patch_removes_nulls() {
        let old = json!({"a": 1, "b": {"c": 2, "d": 3}});
        assert_eq!(
            merge(
                old,
                json!({"a": null, "b": {"c": null, "e": {"f": null}}}),
                Merge::MergePatch,
                &[]
            ),
            json!({"b": {"d": 3, "e": {}}})
        );
    }

    #[test]
    fn per_path_strategies_override_the_default() {
        let old = json!({"enable": true, "config": {"llmProviders": [1], "chat": "a"}, "scopings": [1, 2]});
        let new = json!({"enable": null, "config": {"llmProviders": [2]}, "scopings": [3]});
        assert_eq!(
            merge(
                old,
                new,
                Merge::Merge,
                &[
                    ("/enable", Merge::IgnoreNull),
                    ("/config", Merge::Merge),
                    ("/config/llmProviders", Merge::Append)
                ]
            ),
            json!({"enable": true, "config": {"llmProviders": [1, 2], "chat": "a"}, "scopings": [3]})
        );
    }
}
