//! Samples by keyword family, and a property-style check: for a set of tricky schemas, the
//! static sample and many varied values all pass the compiled validator.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::contract::schema::Compiler;

/// A document holding `schemas` under `components/schemas`, with a compiler for it.
fn document(schemas: Value) -> (Arc<Value>, Compiler) {
    let document = Arc::new(json!({"components": {"schemas": schemas}}));
    let compiler = Compiler::new("urn:understudy:test", document.clone()).unwrap();
    (document, compiler)
}

/// The static sample of `schema` (alone in its document).
fn sample(schema: Value) -> Value {
    let (document, compiler) = document(json!({"S": schema}));
    let compile = |pointer: &str| compiler.compile(pointer).ok();
    generate(&document, "/components/schemas/S", None, &compile).unwrap()
}

/// Asserts that the static sample of each schema passes its validator, and that most of 60
/// varied values are made and all of those pass.
fn assert_all_valid(schemas: &Value) {
    let (document, compiler) = document(schemas.clone());
    let compile = |pointer: &str| compiler.compile(pointer).ok();
    let mut rng = fastrand::Rng::with_seed(11);
    for name in schemas.as_object().unwrap().keys() {
        let pointer = format!("/components/schemas/{name}");
        let schema = compiler.compile(&pointer).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fixed = generate(&document, &pointer, None, &compile).unwrap();
        assert!(schema.is_valid(&fixed), "{name}: static {fixed}: {:?}", schema.errors(&fixed));
        let again = generate(&document, &pointer, None, &compile).unwrap();
        assert_eq!(fixed, again, "{name}: a static sample is the same every time");
        // A draw may fail (the caller then sends the static sample), but not often.
        let varied: Vec<Value> =
            (0..60).filter_map(|_| vary(&document, &schema, Some(name), &mut rng)).collect();
        assert!(varied.len() >= 50, "{name}: only {} of 60 varied values passed", varied.len());
        for value in varied {
            assert!(schema.is_valid(&value), "{name}: varied {value}");
        }
    }
}

#[test]
fn examples_and_enums_win_over_types() {
    assert_eq!(sample(json!({"type": "string", "enum": ["b", "a"]})), json!("b"));
    assert_eq!(sample(json!({"type": "integer", "example": 7})), json!(7));
    assert_eq!(sample(json!({"type": "string", "examples": ["x"]})), json!("x"));
    assert_eq!(sample(json!({"const": {"a": 1}})), json!({"a": 1}));
    // An example that breaks its own schema is not used.
    let digits = sample(json!({"type": "string", "pattern": "^[0-9]+$", "example": "abc"}));
    assert!(digits.as_str().unwrap().chars().all(|c| c.is_ascii_digit()), "{digits}");
    assert_eq!(sample(json!({"type": "integer", "minimum": 5, "default": 1})), json!(5));
    // A nullable enum's null is not chosen.
    assert_eq!(sample(json!({"type": ["string", "null"], "enum": [null, "on"]})), json!("on"));
}

#[test]
fn objects_follow_refs_and_meet_bounds() {
    let (document, compiler) = document(json!({
        "Name": {"type": "string", "minLength": 10, "maxLength": 12},
        "S": {"type": "object", "required": ["name"], "properties": {
            "name": {"$ref": "#/components/schemas/Name"},
            "count": {"type": "integer", "minimum": 3},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
            "secret": false
        }}
    }));
    let compile = |pointer: &str| compiler.compile(pointer).ok();
    assert_eq!(
        generate(&document, "/components/schemas/S", None, &compile).unwrap(),
        json!({"name": "stringxxxx", "count": 3, "when": "2026-01-01T00:00:00Z", "tags": []})
    );
}

#[test]
fn all_of_merges_and_recursion_ends() {
    let schema = json!({"allOf": [{"type": "object", "properties": {"a": {"type": "boolean"}}},
        {"type": "object", "properties": {"b": {"type": "null"}}}]});
    assert_eq!(sample(schema), json!({"a": true, "b": null}));
    // Constraints of several branches hold at once.
    let scalar = json!({"allOf": [{"type": "string", "minLength": 30}, {"format": "email"}]});
    let text = sample(scalar);
    assert!(text.as_str().unwrap().len() >= 30 && text.as_str().unwrap().contains('@'), "{text}");
    // Terminates on required self-recursion.
    let (document, _) = document(json!({"Node": {"type": "object", "required": ["child"],
        "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}));
    let _ = generate(&document, "/components/schemas/Node", None, &|_| None);
}

#[test]
fn types_formats_and_type_lists() {
    assert_eq!(sample(json!({"type": ["null", "integer"]})), json!(0));
    assert_eq!(sample(json!({"type": "null"})), json!(null));
    assert_eq!(sample(json!({"format": "uuid"})), json!("00000000-0000-4000-8000-000000000000"));
    assert_eq!(sample(json!({"type": "string", "format": "ipv6"})), json!("2001:db8::1"));
    assert_eq!(sample(json!({"minimum": 2})), json!(2));
    assert_eq!(sample(json!({"properties": {"a": {"type": "boolean"}}})), json!({"a": true}));
    assert_eq!(sample(json!({"type": "integer", "format": "int64"})), json!(0));
}

#[test]
fn patterns_are_met_and_repeat() {
    let id = sample(json!({"type": "string", "pattern": r"^[\da-z]{26}$"}));
    assert!(regex::Regex::new(r"^[\da-z]{26}$").unwrap().is_match(id.as_str().unwrap()), "{id}");
    assert_eq!(id, sample(json!({"type": "string", "pattern": r"^[\da-z]{26}$"})));
}

#[test]
fn arrays_meet_their_counts_and_uniqueness() {
    let three = sample(json!({"type": "array", "items": {"type": "integer"}, "minItems": 3}));
    assert_eq!(three, json!([0, 0, 0]));
    let unique = sample(json!({"type": "array", "uniqueItems": true, "minItems": 3,
        "items": {"type": "string", "enum": ["a", "b", "c", "d"]}}));
    let items = unique.as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items[0] != items[1] && items[1] != items[2] && items[0] != items[2], "{unique}");
    let tuple =
        sample(json!({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
        "items": false, "minItems": 2}));
    assert_eq!(tuple, json!([0, "string"]));
}

#[test]
fn objects_meet_required_additional_and_property_counts() {
    let map = sample(json!({"type": "object", "additionalProperties": {"type": "integer"},
        "minProperties": 2}));
    assert_eq!(map, json!({"additionalProp1": 0, "additionalProp2": 0}));
    let undeclared = sample(json!({"type": "object", "required": ["id"], "properties": {}}));
    assert_eq!(undeclared, json!({"id": "string"}));
    let capped = sample(json!({"type": "object", "maxProperties": 1, "required": ["b"],
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}));
    assert_eq!(capped, json!({"b": "string"}));
}

#[test]
fn one_of_takes_a_branch_whose_value_is_valid() {
    // The first branch's sample also matches the second: `oneOf` needs exactly one.
    let schema = json!({"oneOf": [
        {"type": "object", "properties": {"name": {"type": "string"}}},
        {"type": "object", "required": ["name"], "additionalProperties": false,
            "properties": {"name": {"type": "string"}}},
        {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "x"}}}
    ]});
    let value = sample(schema.clone());
    let (_, compiler) = document(json!({"S": schema}));
    assert!(compiler.compile("/components/schemas/S").unwrap().is_valid(&value), "{value}");
    // A nullable reference (3.0's `nullable` rewritten) is not null.
    assert_eq!(
        sample(json!({"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 1}]})),
        json!(1)
    );
}

#[test]
fn a_discriminator_names_the_chosen_branch() {
    let (document, compiler) = document(json!({
        "Cat": {"type": "object", "required": ["petType"], "properties": {"petType": {"type": "string"}}},
        "Dog": {"type": "object", "required": ["petType"], "properties": {"petType": {"type": "string"}}},
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "petType", "mapping": {"cat": "#/components/schemas/Cat"}}}
    }));
    let compile = |pointer: &str| compiler.compile(pointer).ok();
    let pet = generate(&document, "/components/schemas/Pet", None, &compile).unwrap();
    assert_eq!(pet, json!({"petType": "cat"}));
}

#[test]
fn varied_values_are_realistic_and_repeat_with_the_seed() {
    let (document, compiler) = document(json!({"User": {"type": "object", "properties": {
        "email": {"type": "string", "format": "email"},
        "firstName": {"type": "string"},
        "city": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
        "age": {"type": "integer", "minimum": 0}
    }}}));
    let schema = compiler.compile("/components/schemas/User").unwrap();
    let draw = |seed| vary(&document, &schema, None, &mut fastrand::Rng::with_seed(seed)).unwrap();
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
    let user = draw(1);
    assert!(user["email"].as_str().unwrap().contains('@'), "{user}");
    assert_ne!(user["firstName"], "string", "{user}");
    let age = user["age"].as_i64().unwrap();
    assert!((18..=80).contains(&age), "{user}");
}

#[test]
fn generated_values_validate_for_tricky_schemas() {
    let schemas: Value = serde_json::from_str(
        r##"{
        "Ulid": {"type": "string", "pattern": "^[\\da-z]{26}$"},
        "Teable": {"type": "string", "pattern": "^spc[0-9a-zA-Z]{16}$", "minLength": 19},
        "Ranged": {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 13},
        "Money": {"type": "number", "minimum": 0.01, "maximum": 99.99, "multipleOf": 0.01},
        "Halves": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "multipleOf": 0.25},
        "Big": {"type": "integer", "minimum": 5000000000, "format": "int64"},
        "Negative": {"type": "integer", "maximum": -100, "multipleOf": 7},
        "Short": {"type": "string", "maxLength": 2},
        "Long": {"type": "string", "minLength": 300},
        "Email": {"type": "string", "format": "email", "maxLength": 40},
        "Host": {"type": "string", "format": "hostname"},
        "Uri": {"type": "string", "format": "uri"},
        "Url": {"type": "string", "format": "url"},
        "Times": {"type": "object", "required": ["at", "on", "time"], "properties": {
            "at": {"type": "string", "format": "date-time"},
            "on": {"type": "string", "format": "date"},
            "time": {"type": "string", "format": "time"}}},
        "Ips": {"type": "array", "minItems": 2, "items": {"type": "string", "format": "ipv4"}, "uniqueItems": true},
        "Nullable": {"type": ["string", "null"], "format": "uuid"},
        "Enum": {"type": "string", "enum": ["a", "b"], "maxLength": 1},
        "Bools": {"type": "array", "items": {"type": "boolean"}, "uniqueItems": true, "minItems": 2},
        "Unique": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 5}, "uniqueItems": true, "minItems": 4},
        "Closed": {"type": "object", "additionalProperties": false, "required": ["id"],
            "properties": {"id": {"type": "integer", "minimum": 1}, "name": {"type": "string", "minLength": 1}}},
        "Counted": {"type": "object", "minProperties": 3, "maxProperties": 3,
            "patternProperties": {"^x-[a-z]{3}$": {"type": "integer"}}, "additionalProperties": false},
        "OneOf": {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 2}]},
        "AnyOf": {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string", "pattern": "^z+$"}]},
        "Beside": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}},
            "oneOf": [{"properties": {"kind": {"const": "a"}}}, {"properties": {"kind": {"const": "b"}}}]},
        "AllOfRefs": {"allOf": [{"$ref": "#/components/schemas/Closed"},
            {"type": "object", "properties": {"id": {"maximum": 3}}}]},
        "Tree": {"type": "object", "required": ["name", "children"], "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}},
        "Deep": {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {
            "type": "array", "items": {"type": "object", "required": ["c"], "properties": {
                "c": {"type": "string", "format": "date-time"}}}}}}}},
        "Map": {"type": "object", "additionalProperties": {"type": "string", "format": "email"}},
        "Any": {},
        "Empty": {"type": "array", "maxItems": 0},
        "Contains": {"type": "array", "contains": {"const": 3}, "items": {"type": "integer"}},
        "Byte": {"type": "string", "format": "byte"},
        "Int32": {"type": "integer", "format": "int32", "minimum": -5},
        "Person": {"type": "object", "required": ["id", "email", "name", "phone", "website", "createdAt"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "maxLength": 30},
                "phone": {"type": "string", "pattern": "^\\+?[0-9 ()-]{7,20}$"},
                "website": {"type": "string", "format": "uri"},
                "createdAt": {"type": "string", "format": "date-time"},
                "age": {"type": "integer", "minimum": 0, "maximum": 130},
                "city": {"type": "string"},
                "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}}
    }"##,
    )
    .unwrap();
    assert_all_valid(&schemas);
}

#[test]
fn a_sample_of_a_bound_schema_follows_its_dynamic_references() {
    let doc = json!({"openapi": "3.1.0", "components": {"schemas": {
        "Planet": {"type": "object", "properties": {"name": {"type": "string"}}},
        "Page": {"$id": "https://example.com/page", "$defs": {"item": {"$dynamicAnchor": "item", "not": {}}},
                 "properties": {"data": {"type": "array", "items": {"$dynamicRef": "#item"}}}},
        "Planets": {"$id": "https://example.com/planets", "$defs": {"item": {"$dynamicAnchor": "item", "$ref": "#/components/schemas/Planet"}},
                    "$ref": "#/components/schemas/Page"}
    }}});
    let bound = crate::contract::ids::Resources::index(&doc)
        .bind_dynamic(&doc, "/components/schemas/Planets")
        .unwrap();
    let sample = generate(&doc, "/components/schemas/Planets", Some(&bound), &|_| None).unwrap();
    assert_eq!(sample["data"][0]["name"].as_str().map(str::is_empty), Some(false), "{sample}");
}
