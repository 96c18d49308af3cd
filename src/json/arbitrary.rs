//! Arbitrary JSON for property tests: values nested a few levels deep, with keys and strings
//! drawn from an alphabet that reaches what understudy parses inside them (template braces and
//! pipes, pointer `/` and `~`, quotes, control and non-ASCII characters).
//!
//! Test-only; the fuzz driver (`tests/fuzz.rs`) has its own copy shaped for whole requests.

use proptest::prelude::*;
use serde_json::{Value, json};

/// Short text, often made of characters that mean something to understudy.
pub(crate) fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_]{0,8}",
        2 => r#"[{}|/~ .:"\\a-z0-9é€\u{0}-\u{1f}]{0,12}"#,
        1 => any::<String>(),
    ]
}

/// Any JSON value.
pub(crate) fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// JSON objects only (bodies, records).
pub(crate) fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec((text(), value()), 0..6)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}
