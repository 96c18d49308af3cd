//! Combining a request body with a stored value, by strategy.
//!
//! The strategy for the whole body comes from the operation (`merge:`); any JSON pointer
//! inside it may have its own (`paths:`). A strategy applies at its level; for the levels
//! below, `deep-merge` and `merge-patch` keep merging recursively while `merge` (one level) and
//! the others hand over to `replace`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::json::member::member;
use crate::json::pointer::push_token;
use crate::scenario::Merge;

/// Combines `new` into `old` (both at `pointer`), following `default` and the per-pointer
/// `paths` strategies. Returns the combined value; `None` means the key is to be removed.
/// What the body sends is moved into the result; what is kept of `old` is copied, and only
/// that: the stored record stays where it is (and in the rollback journal) untouched.
pub(crate) fn apply(
    old: Option<&Value>,
    new: Value,
    pointer: &str,
    default: Merge,
    paths: &BTreeMap<String, Merge>,
) -> Option<Value> {
    let strategy = paths.get(pointer).copied().unwrap_or(default);
    match strategy {
        Merge::Replace => Some(new),
        Merge::IgnoreNull => match (new, old) {
            (Value::Null, old) => old.cloned(),
            (new, _) => Some(new),
        },
        Merge::Append => match (old, new) {
            (Some(Value::Array(old)), Value::Array(new)) => {
                let mut out = Vec::with_capacity(old.len() + new.len());
                out.extend(old.iter().cloned());
                out.extend(new);
                Some(Value::Array(out))
            }
            (_, new) => Some(new),
        },
        Merge::Merge | Merge::DeepMerge | Merge::MergePatch => {
            if strategy == Merge::MergePatch && new.is_null() {
                return None;
            }
            let (old, new) = match (old, new) {
                (Some(Value::Object(old)), Value::Object(new)) => (old, new),
                (_, new) => return Some(strip_nulls(new, strategy)),
            };
            let below = match strategy {
                Merge::Merge => Merge::Replace,
                other => other,
            };
            // The old keys in their order, those the body sends holding a place for now;
            // then the body's, merged in place or added after.
            let mut out = Map::with_capacity(old.len() + new.len());
            for (key, value) in old {
                let kept = if member(&new, key).is_some() { Value::Null } else { value.clone() };
                out.insert(key.clone(), kept);
            }
            for (key, value) in new {
                // Pointers are only written out when some path has a strategy of its own.
                let child =
                    if paths.is_empty() { String::new() } else { push_token(pointer, &key) };
                match apply(member(old, &key), value, &child, below, paths) {
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
        apply(Some(&old), new, "", default, &paths).unwrap()
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

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::json::arbitrary;

        /// RFC 7396 §2, the pseudo-code as written.
        fn merge_patch(target: Option<Value>, patch: Value) -> Value {
            let Value::Object(patch) = patch else { return patch };
            let mut target = match target {
                Some(Value::Object(target)) => target,
                _ => serde_json::Map::new(),
            };
            for (name, value) in patch {
                if value.is_null() {
                    target.shift_remove(&name);
                } else {
                    let old = target.shift_remove(&name);
                    target.insert(name, merge_patch(old, value));
                }
            }
            Value::Object(target)
        }

        fn strategy() -> impl Strategy<Value = Merge> {
            prop::sample::select(vec![
                Merge::Replace,
                Merge::Merge,
                Merge::DeepMerge,
                Merge::MergePatch,
                Merge::Append,
                Merge::IgnoreNull,
            ])
        }

        /// Member names the per-pointer strategies may name, so that some of them apply.
        fn paths() -> impl Strategy<Value = BTreeMap<String, Merge>> {
            let pointer = prop::sample::select(vec!["/a", "/b", "/a/b", "/a/a", "/c/0", ""]);
            prop::collection::btree_map(pointer.prop_map(str::to_owned), strategy(), 0..3)
        }

        fn small_object() -> impl Strategy<Value = Value> {
            let key = prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_owned);
            let leaf = prop_oneof![Just(Value::Null), any::<i8>().prop_map(Value::from)];
            let tree = leaf.prop_recursive(3, 16, 3, move |inner| {
                prop::collection::vec((key.clone(), inner), 0..3)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
            });
            prop_oneof![tree, arbitrary::object()]
        }

        /// The merge as it was written for a record moved out of the store: the reference.
        fn moved(
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
                    let below = if strategy == Merge::Merge { Merge::Replace } else { strategy };
                    for (key, value) in new {
                        let child = if paths.is_empty() {
                            String::new()
                        } else {
                            push_token(pointer, &key)
                        };
                        let old = out.get_mut(&key).map(std::mem::take);
                        match moved(old, value, &child, below, paths) {
                            Some(value) => out.insert(key, value),
                            None => out.shift_remove(&key),
                        };
                    }
                    Some(Value::Object(out))
                }
            }
        }

        proptest! {
            #[test]
            fn merge_patch_is_rfc_7396(old in small_object(), patch in small_object()) {
                let ours = apply(Some(&old), patch.clone(), "", Merge::MergePatch, &BTreeMap::new());
                prop_assert_eq!(ours.unwrap_or(Value::Null), merge_patch(Some(old), patch));
            }

            #[test]
            fn merge_patch_applied_twice_changes_nothing_more(old in small_object(), patch in small_object()) {
                let none = BTreeMap::new();
                let once = apply(Some(&old), patch.clone(), "", Merge::MergePatch, &none);
                let twice = apply(once.as_ref(), patch, "", Merge::MergePatch, &none);
                prop_assert_eq!(once, twice);
            }

            #[test]
            fn deep_merge_keeps_every_value_the_body_sends(old in small_object(), new in small_object()) {
                let merged = apply(Some(&old), new.clone(), "", Merge::DeepMerge, &BTreeMap::new());
                let merged = merged.unwrap_or(Value::Null);
                fn leaves(value: &Value, at: String, out: &mut Vec<(String, Value)>) {
                    match value {
                        Value::Object(map) if !map.is_empty() => {
                            for (k, v) in map {
                                leaves(v, crate::json::pointer::push_token(&at, k), out);
                            }
                        }
                        other => out.push((at, other.clone())),
                    }
                }
                let mut sent = Vec::new();
                leaves(&new, String::new(), &mut sent);
                for (pointer, value) in sent {
                    if !value.is_object() {
                        prop_assert_eq!(merged.pointer(&pointer), Some(&value), "at {}", pointer);
                    }
                }
            }

            #[test]
            fn every_strategy_takes_any_json_without_panicking(
                old in prop::option::of(arbitrary::value()),
                new in arbitrary::value(),
                default in strategy(),
                paths in paths(),
            ) {
                let _ = apply(old.as_ref(), new, "", default, &paths);
            }

            /// Breaks if merging into a borrowed record gives anything else than merging
            /// into one moved in (how it was done before the record stayed in the store).
            #[test]
            fn merging_into_a_borrowed_record_is_merging_into_a_moved_one(
                old in prop::option::of(prop_oneof![small_object(), arbitrary::value()]),
                new in prop_oneof![small_object(), arbitrary::value()],
                default in strategy(),
                paths in paths(),
            ) {
                let borrowed = apply(old.as_ref(), new.clone(), "", default, &paths);
                prop_assert_eq!(borrowed, moved(old, new, "", default, &paths));
            }
        }
    }
}
