//! The store's tests: sessions seeded, kept apart, bounded in count and idle time; ids and
//! the clock; and the indexes proved never stale against a scan after random sequences of
//! every operation.

use super::*;
use crate::files::TextFile;
use crate::json::text::key_text;
use crate::mock::index::Lookup;

fn scenario() -> Scenario {
    crate::scenario::load(&TextFile {
        name: "t".into(),
        file_name: "default.yaml".into(),
        text: r#"
resources:
  things:
    id: {template: "Thing:{{n}}", encoding: base64}
    seed: [{id: "VGhpbmc6MQ==", name: a}]
  others:
    id: {prefix: oth, alphabet: hex, length: 4}
"#
        .into(),
    })
    .unwrap()
}

#[test]
fn sessions_start_from_the_seed_and_stay_apart() {
    let store = Store::new(StoreOptions { seed: Some(1), ..StoreOptions::default() });
    let s = scenario();
    store.with("api", "one", &s, |tx| tx.put("things", "x".into(), json!({"id": "x"})));
    let count = |session| store.with("api", session, &s, |tx| tx.records("things").count());
    assert_eq!(count("one"), 2);
    assert_eq!(count("two"), 1);
    store.reset(Some("api"), Some("two"));
    assert_eq!(count("one"), 2);
    store.reset(Some("api"), None);
    assert_eq!(count("one"), 1);
}

#[test]
fn past_the_limit_the_least_recently_used_session_is_dropped_and_default_never_is() {
    let limits = SessionLimits { max: 3, idle: None };
    let store = Store::new(StoreOptions { sessions: limits, ..StoreOptions::default() });
    let s = scenario();
    let add = |session: &str| {
        store.with("api", session, &s, |tx| tx.put("things", "x".into(), json!({"id": "x"})))
    };
    let count = |session| store.with("api", session, &s, |tx| tx.records("things").count());
    add(DEFAULT_SESSION);
    for session in ["a", "b", "c"] {
        add(session);
    }
    // `a` used again: `b` is now the least recently used.
    assert_eq!(count("a"), 2);
    add("d");
    assert_eq!(store.session_count(), 4, "three sessions and `default`");
    assert_eq!(count("a"), 2);
    assert_eq!(count("c"), 2);
    assert_eq!(count("d"), 2);
    assert_eq!(count("b"), 1, "dropped, so seeded again");
    for n in 0..10 {
        add(&format!("other{n}"));
    }
    assert_eq!(count(DEFAULT_SESSION), 2, "never dropped");
    assert_eq!(store.session_count(), 4);
}

#[test]
fn a_session_idle_longer_than_the_limit_starts_again_from_its_seed() {
    // Wide margins: the machine running the tests may be busy.
    let idle = std::time::Duration::from_secs(1);
    let limits = SessionLimits { max: 10, idle: Some(idle) };
    let store = Store::new(StoreOptions { sessions: limits, ..StoreOptions::default() });
    let s = scenario();
    let add = |session: &str| {
        store.with("api", session, &s, |tx| tx.put("things", "x".into(), json!({"id": "x"})))
    };
    let count = |session| store.with("api", session, &s, |tx| tx.records("things").count());
    for session in [DEFAULT_SESSION, "kept", "idle"] {
        add(session);
    }
    let generation = store.generation("api", "idle");
    assert!(generation.is_some());
    for _ in 0..5 {
        std::thread::sleep(idle / 4);
        assert_eq!(count("kept"), 2, "used within the idle time: kept");
    }
    assert_eq!(store.generation("api", "idle"), None, "no cached answer may match it now");
    assert_eq!(count("idle"), 1, "idle too long: seeded again");
    std::thread::sleep(idle + idle / 2);
    assert_eq!(count(DEFAULT_SESSION), 2, "`default` never expires");
    // Dropped on the next use of any session, not only on its own.
    assert_eq!(store.session_count(), 1, "`kept` and `idle` dropped, `default` kept");
}

#[test]
fn sequence_ids_continue_after_the_seed_and_random_ids_repeat_with_a_seed() {
    let s = scenario();
    let store = Store::new(StoreOptions { seed: Some(7), ..StoreOptions::default() });
    let things = s.resource("things").unwrap();
    let others = s.resource("others").unwrap();
    let (a, b) = store.with("api", "s", &s, |tx| {
        (tx.new_id(things, &Value::Null), tx.new_id(others, &Value::Null))
    });
    let b = b.as_str().unwrap().to_owned();
    assert_eq!(a, base64::engine::general_purpose::STANDARD.encode("Thing:2"));
    assert!(b.starts_with("oth") && b.len() == 7, "{b}");
    let again = Store::new(StoreOptions { seed: Some(7), ..StoreOptions::default() });
    let repeated = again.with("api", "s", &s, |tx| {
        tx.new_id(things, &Value::Null);
        tx.new_id(others, &Value::Null)
    });
    assert_eq!(repeated.as_str(), Some(b.as_str()));
}

#[test]
fn a_rollback_puts_back_records_in_their_places_counters_ids_and_the_clock() {
    let clock: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let store =
        Store::new(StoreOptions { seed: Some(3), clock: Some(clock), ..StoreOptions::default() });
    let s = scenario();
    let things = s.resource("things").unwrap();
    let others = s.resource("others").unwrap();
    store.with("api", "s", &s, |tx| {
        tx.put("things", "b".into(), json!({"id": "b"}));
        tx.put("things", "c".into(), json!({"id": "c"}));
    });
    let before = store.dump(None, None);
    let (first_id, first_random, first_time) = store.with("api", "s", &s, |tx| {
        tx.savepoint();
        let id = tx.new_id(things, &Value::Null);
        let random = tx.new_id(others, &Value::Null);
        let time = tx.now(TimestampFormat::Rfc3339);
        tx.put("things", crate::json::text::as_text(&id), json!({"id": id}));
        tx.put("others", crate::json::text::as_text(&random), json!({"id": random}));
        tx.put("fresh", "x".into(), json!({}));
        tx.remove("things", "b");
        let changed = tx.update("things", "VGhpbmc6MQ==", |_, old| {
            let mut new = old.clone();
            new["name"] = json!("changed");
            Ok::<_, ()>(new)
        });
        assert_eq!(changed.unwrap().unwrap()["name"], "changed");
        assert!(tx.changed_since_savepoint());
        tx.rollback();
        (id, random, time)
    });
    assert_eq!(store.dump(None, None), before);
    let order: Vec<String> = store
        .with("api", "s", &s, |tx| tx.records("things").map(|r| r["id"].to_string()).collect());
    assert_eq!(order, [r#""VGhpbmc6MQ==""#, r#""b""#, r#""c""#]);
    // The same id and the same time come next, as if the write had never been made.
    let again = store.with("api", "s", &s, |tx| {
        let id = tx.new_id(things, &Value::Null);
        let random = tx.new_id(others, &Value::Null);
        (id, random, tx.now(TimestampFormat::Rfc3339))
    });
    assert_eq!(again, (first_id, first_random, first_time));
}

#[test]
fn fixed_clock_ticks_per_reading() {
    let clock: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let store = Store::new(StoreOptions { clock: Some(clock), ..StoreOptions::default() });
    let s = scenario();
    let (a, b) = store.with("api", "s", &s, |tx| {
        (tx.now(TimestampFormat::Rfc3339Millis), tx.now(TimestampFormat::Rfc3339Offset))
    });
    assert_eq!(a, "2026-01-01T00:00:00.000Z");
    assert_eq!(b, "2026-01-01T00:00:01+00:00");
}

fn indexed_scenario() -> Scenario {
    crate::scenario::load(&TextFile {
        name: "t".into(),
        file_name: "default.yaml".into(),
        text: r#"
resources:
  spaces:
    seed: [{id: s1}, {id: s2}]
  items:
    parent: {resource: spaces, field: space}
    seed:
      - {id: k1, space: s1, type: a, name: x}
      - {id: k2, space: s2, type: a, name: x}
operations:
  create:
    create: items
    unique: [{fields: [/type, /name]}]
  createIn:
    create: items
    parent: spaceId
    unique: [{fields: [/name]}]
    upsert: {match: [/type]}
"#
        .into(),
    })
    .unwrap()
}

/// A random record under a random one of 12 keys: few values, so that clashes are common.
fn record(rng: &mut fastrand::Rng) -> (String, Value) {
    let key = format!("k{}", rng.usize(..12));
    let mut record = serde_json::Map::new();
    record.insert("id".into(), json!(key));
    record.insert("space".into(), json!(["s1", "s2"][rng.usize(..2)]));
    if rng.u8(..10) > 0 {
        record.insert("type".into(), json!(["a", "b"][rng.usize(..2)]));
    }
    let name = match rng.u8(..5) {
        0 => None,
        1 => Some(json!({"first": 1, "last": 2})),
        2 => Some(json!({"last": 2, "first": 1})),
        3 => Some(json!(["x", "y"][rng.usize(..2)])),
        _ => Some(json!(0.0)),
    };
    if let Some(name) = name {
        record.insert("name".into(), name);
    }
    (key, Value::Object(record))
}

/// Every lookup the scenario's rules make, with every combination of values: the index's
/// answer and a scan's agree.
fn check_against_a_scan(tx: &mut crate::mock::store::Tx<'_>, step: usize) {
    let type_name = ["/type".to_owned(), "/name".to_owned()];
    let name = ["/name".to_owned()];
    let kind = ["/type".to_owned()];
    let values = [
        json!("a"),
        json!("b"),
        json!("x"),
        json!("y"),
        json!(-0.0),
        json!({"last": 2, "first": 1}),
    ];
    let fields: [&[String]; 3] = [&type_name, &name, &kind];
    for fields in fields {
        for scope in [None, Some(("space", "s1")), Some(("space", "s2"))] {
            let lookup = Lookup { resource: "items", fields, scope };
            let seconds = if fields.len() == 2 { &values[..] } else { &values[..1] };
            for first in &values {
                for second in seconds {
                    let wanted: Vec<&Value> = [first, second][..fields.len()].to_vec();
                    let scanned: Vec<String> = tx
                        .records("items")
                        .filter(|r| scope.is_none_or(|(f, id)| key_text(r.get(f)) == id))
                        .filter(|r| {
                            fields.iter().zip(&wanted).all(|(f, v)| r.pointer(f) == Some(*v))
                        })
                        .map(|r| key_text(r.get("id")))
                        .collect();
                    let found = tx.matching(&lookup, &wanted);
                    assert_eq!(found, scanned, "step {step}: {fields:?} {scope:?} {wanted:?}");
                    // Not only the answers: the index itself holds exactly these keys.
                    let mut scanned = scanned;
                    scanned.sort();
                    let held = tx.indexed(&lookup, &wanted).expect("an index");
                    assert_eq!(held, scanned, "step {step}: stale {fields:?} {scope:?} {wanted:?}");
                }
            }
        }
    }
}

#[test]
fn index_answers_equal_a_scan_after_random_sequences_of_every_operation_rollbacks_included() {
    let scenario = indexed_scenario();
    for seed in 0..20 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let limits = SessionLimits { max: 2, idle: None };
        let store = Store::new(StoreOptions {
            seed: Some(seed),
            sessions: limits,
            ..StoreOptions::default()
        });
        for step in 0..60 {
            match rng.u8(..10) {
                0..=3 => store.with("api", "s", &scenario, |tx| {
                    let (key, record) = record(&mut rng);
                    tx.put("items", key, record);
                }),
                4 => store.with("api", "s", &scenario, |tx| {
                    tx.remove("items", &format!("k{}", rng.usize(..12)));
                }),
                5 => store.with("api", "s", &scenario, |tx| {
                    // An update: changed, or refused (and left as it was).
                    let key = format!("k{}", rng.usize(..12));
                    let (refuse, (_, mut changed)) = (rng.bool(), record(&mut rng));
                    changed["id"] = json!(key);
                    let _ = tx.update("items", &key, |_, _| match refuse {
                        true => Err(()),
                        false => Ok(changed),
                    });
                }),
                6 => store.reset(Some("api"), Some("s")),
                7 => {
                    // A state dump loaded back, with a record added.
                    let mut dump = store.dump(None, Some("s"));
                    let mut data =
                        dump.remove("api").and_then(|mut s| s.remove("s")).unwrap_or_default();
                    let (key, record) = record(&mut rng);
                    data.collections.entry("items".into()).or_default().insert(key, record);
                    store.load("api", "s", &scenario, data);
                }
                9 => store.with("api", "s", &scenario, |tx| {
                    // A write taken back (a self-check failure): the indexes follow.
                    tx.savepoint();
                    let (key, record) = record(&mut rng);
                    tx.put("items", key, record);
                    tx.remove("items", &format!("k{}", rng.usize(..12)));
                    let key = format!("k{}", rng.usize(..12));
                    let _ = tx.update("items", &key, |_, old| {
                        let mut new = old.clone();
                        new["name"] = json!("changed");
                        Ok::<_, ()>(new)
                    });
                    tx.rollback();
                }),
                8 => {
                    // Two other sessions used: `s` is evicted, and seeded again on next use.
                    store.with("api", "other1", &scenario, |_| ());
                    store.with("api", "other2", &scenario, |_| ());
                }
                _ => {}
            }
            store.with("api", "s", &scenario, |tx| check_against_a_scan(tx, step));
        }
    }
}
