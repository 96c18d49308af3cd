//! The scenario understudy infers for a contract nobody wrote one for.
//!
//! A frontend developer points understudy at their own OpenAPI document and expects it to
//! remember writes from the first request, with nothing to write. The paths say most of it:
//!
//! * `/pets` with `GET` and `POST`, `/pets/{petId}` with `GET`, `PUT`, `PATCH`, `DELETE`: one
//!   collection, `pets`, keyed by the item schema's id property (`petId` if the schema has
//!   it, else `id`); `GET /pets/findByStatus` answering an array of pets lists them too, its
//!   query parameters filtering on same-named properties; `PUT /pets` with a body carrying the
//!   key updates that record.
//! * `/users/{userId}/posts`: a collection scoped by its parent `users` (an unknown `userId`
//!   is 404; a parent that is no collection of its own exists for any id).
//! * Ids fit the key property's schema: integers count up, `uuid`s are random UUIDs,
//!   `pattern`s are drawn from the pattern; a key the client chooses (`PUT /user/{username}`,
//!   a `username` the create body requires) is kept.
//! * Lists answer in the contract's shape: a plain array, or the wrapper object its schema
//!   declares (`{"data": [...], "total": 3}`); records are seeded from the contract's examples
//!   that fit their schema; created records get the fields the response requires and the
//!   request did not send, from the schema.
//! * Credentials: any well-formed one for the declared schemes (no `tokens`); failures the
//!   operation documents are answered with that documented answer (`documented-errors`).
//! * Records are stored as sent and answered as the answer's schema says (`fit-answers`):
//!   what it requires below the top level too (an `id` the request could not send) from its
//!   defaults and samples, without what it forbids (`writeOnly` fields, a form's `file` part
//!   in a closed object).
//!
//! Operations that fit no collection answer from the contract (their example, or a body built
//! from their schema); one that documents no 2xx answers with a status it documents.
//! `understudy infer FILE` prints what this module infers, as a scenario file to edit.

use serde_json::{Map, Value, json};

use crate::contract::document::deref;
use crate::contract::{Contract, MediaType, Operation, ParameterLocation, StatusKey};

/// A scenario file's value as the YAML text of the file.
pub fn to_yaml(scenario: &Value) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(&crate::json::plain::Plain(scenario))
}

/// The scenario for `contract`, as a scenario file's value (`resources`, `operations`...).
pub fn infer(contract: &Contract) -> Value {
    let collections = collections(contract);
    let mut resources = Map::new();
    let mut operations = Map::new();
    for collection in &collections {
        resources.insert(collection.name.clone(), resource(contract, collection));
        for (operation, role) in &collection.operations {
            if let Some(behaviour) = behaviour(contract, collection, operation, *role) {
                operations.insert(operation.id.clone(), behaviour);
            }
        }
    }
    for parent in parents_without_collection(&collections) {
        resources
            .entry(parent.clone())
            .or_insert_with(|| json!({"key": "id", "auto-create": {"pattern": ".+"}}));
    }
    let names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
    json!({
        "description": format!(
            "Inferred by understudy {} from {} ({}): {}. Edit it to take control: \
             `understudy infer FILE > scenarios/<api>/default.yaml`.",
            env!("CARGO_PKG_VERSION"),
            contract.file_name,
            contract.title,
            if names.is_empty() {
                "no collection found; every operation answers from the contract".to_owned()
            } else {
                format!("collections {}", names.join(", "))
            }
        ),
        "documented-errors": true,
        "fit-answers": true,
        "resources": resources,
        "operations": operations,
    })
}

/// What an operation does to its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `GET /things`.
    List,
    /// `GET /things/findByX`: a list answering an array of the collection's items.
    Search,
    /// `POST /things`.
    Create,
    /// `GET /things/{id}`.
    Get,
    /// `PUT /things/{id}`: replace, or create under the key.
    Replace,
    /// `PATCH /things/{id}`.
    Patch,
    /// `DELETE /things/{id}`.
    Delete,
    /// `PUT /things` with the key in the body.
    ReplaceByBody,
}

/// A collection found in the paths.
#[derive(Debug)]
struct Collection<'a> {
    /// Its name in the scenario.
    name: String,
    /// Its path without an item parameter (`/users/{userId}/posts`).
    base: String,
    /// The item path's parameter (`postId`), if there is an item path.
    item: Option<String>,
    /// The parent: its collection name and the path parameter naming it.
    parent: Option<(String, String)>,
    /// The operations acting on it.
    operations: Vec<(&'a Operation, Role)>,
    /// The record key field.
    key: String,
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}') && segment.matches('{').count() == 1
}

fn param_name(segment: &str) -> &str {
    segment.trim_start_matches('{').trim_end_matches('}')
}

/// The collections of a contract, with the operations acting on each.
fn collections(contract: &Contract) -> Vec<Collection<'_>> {
    let mut found: Vec<Collection<'_>> = Vec::new();
    // Item paths first: they make a collection of their base.
    for operation in &contract.operations {
        let parts = segments(&operation.path);
        let Some((last, base)) = parts.split_last() else { continue };
        if !is_param(last) || base.last().is_none_or(|s| is_param(s)) {
            continue;
        }
        let role = match operation.method.as_str() {
            "GET" => Role::Get,
            "PUT" => Role::Replace,
            "PATCH" => Role::Patch,
            "DELETE" => Role::Delete,
            _ => continue,
        };
        let base = format!("/{}", base.join("/"));
        let collection = collection_for(&mut found, &base);
        collection.item.get_or_insert_with(|| param_name(last).to_owned());
        collection.operations.push((operation, role));
    }
    // Then collection paths: lists and creates on a base; searches and body-keyed updates
    // below a base that has items.
    for operation in &contract.operations {
        let parts = segments(&operation.path);
        let Some(last) = parts.last() else { continue };
        if is_param(last) {
            continue;
        }
        let path = operation.path.trim_end_matches('/').to_owned();
        let method = operation.method.as_str();
        let role = match method {
            "GET" => Role::List,
            "POST" => Role::Create,
            "PUT" => Role::ReplaceByBody,
            _ => continue,
        };
        if let Some(collection) = found.iter_mut().find(|c| c.base == path) {
            collection.operations.push((operation, role));
            continue;
        }
        // `GET /pets/findByStatus` under `/pets`, answering an array.
        let parent_base = path.rsplit_once('/').map(|(b, _)| b).unwrap_or_default();
        if role == Role::List
            && answers_array(operation)
            && let Some(collection) =
                found.iter_mut().find(|c| c.base == parent_base && c.item.is_some())
        {
            collection.operations.push((operation, Role::Search));
            continue;
        }
        // A base with both a list and a create is a collection even without items, when the
        // create answers something like what the list holds (`POST /apply` answering a
        // confirmation next to `GET /apply` listing job openings is no collection).
        let twin = contract.operations.iter().find(|other| {
            other.path.trim_end_matches('/') == path
                && other.method.as_str() == if role == Role::List { "POST" } else { "GET" }
        });
        if matches!(role, Role::List | Role::Create)
            && let Some(twin) = twin
            && alike(
                contract,
                if role == Role::List { (operation, twin) } else { (twin, operation) },
            )
        {
            collection_for(&mut found, &path).operations.push((operation, role));
        }
    }
    found.retain(|c| c.operations.iter().any(|(_, r)| !matches!(r, Role::Search)));
    name_collections(&mut found);
    link_parents(&mut found);
    for collection in &mut found {
        collection.key = key_field(contract, collection);
    }
    found
}

fn collection_for<'a, 'c>(
    found: &'c mut Vec<Collection<'a>>,
    base: &str,
) -> &'c mut Collection<'a> {
    if let Some(i) = found.iter().position(|c| c.base == base) {
        return &mut found[i];
    }
    found.push(Collection {
        name: String::new(),
        base: base.to_owned(),
        item: None,
        parent: None,
        operations: Vec::new(),
        key: String::new(),
    });
    found.last_mut().expect("just pushed")
}

/// Names from the last static segment (`posts`), made unique with the ones before it
/// (`users-posts`) when two collections end alike.
fn name_collections(found: &mut [Collection<'_>]) {
    let statics = |base: &str| -> Vec<String> {
        segments(base).into_iter().filter(|s| !is_param(s)).map(sanitize).collect()
    };
    let lasts: Vec<String> = found
        .iter()
        .map(|c| statics(&c.base).last().cloned().unwrap_or_else(|| "items".into()))
        .collect();
    for (i, collection) in found.iter_mut().enumerate() {
        let clash = lasts.iter().filter(|l| **l == lasts[i]).count() > 1;
        collection.name =
            if clash { statics(&collection.base).join("-") } else { lasts[i].clone() };
    }
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect()
}

/// A collection under another one's item (`/users/{userId}/posts`) belongs to it; under a
/// parameter no collection owns, to a parent that exists for any id.
fn link_parents(found: &mut [Collection<'_>]) {
    let owners: Vec<(String, String, String)> = found
        .iter()
        .filter_map(|c| {
            Some((format!("{}/{{{}}}", c.base, c.item.as_ref()?), c.name.clone(), c.item.clone()?))
        })
        .collect();
    for collection in found.iter_mut() {
        let parts = segments(&collection.base);
        let Some(position) = parts.iter().rposition(|s| is_param(s)) else { continue };
        let prefix = format!("/{}", parts[..=position].join("/"));
        let param = param_name(parts[position]).to_owned();
        collection.parent = Some(match owners.iter().find(|(path, ..)| *path == prefix) {
            Some((_, name, _)) => (name.clone(), param),
            None => (format!("{}-parents", collection.name), param),
        });
    }
}

fn parents_without_collection(found: &[Collection<'_>]) -> Vec<String> {
    found
        .iter()
        .filter_map(|c| c.parent.as_ref().map(|(name, _)| name.clone()))
        .filter(|name| !found.iter().any(|c| &c.name == name))
        .collect()
}

/// Whether an operation's success answer is a JSON array.
fn answers_array(operation: &Operation) -> bool {
    success_schema_type(operation) == Some("array")
}

/// The lowest documented 2xx status; 200 when only `default` is documented (it covers every
/// status, success included); `None` when the operation documents failures only.
fn success_status(operation: &Operation) -> Option<u16> {
    let documented = |key| operation.responses.iter().any(|r| r.status == key);
    operation
        .responses
        .iter()
        .filter_map(|r| match r.status {
            StatusKey::Code(code) if (200..300).contains(&code) => Some(code),
            StatusKey::Range(2) => Some(200),
            _ => None,
        })
        .min()
        .or_else(|| documented(StatusKey::Default).then_some(200))
}

fn success_media(operation: &Operation) -> Option<&MediaType> {
    let status = success_status(operation)?;
    let spec = operation.response(status)?;
    spec.content.iter().find(|m| m.media.contains("json")).or(spec.content.first())
}

/// The `type` of the success answer's schema, as the sample of it shows.
fn success_schema_type(operation: &Operation) -> Option<&'static str> {
    let sample = success_media(operation)?.sample.as_ref()?;
    Some(match sample {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        _ => "scalar",
    })
}

/// The schema of one record: the item `GET`'s answer, else the create's answer, else the
/// items of the list, as a value of the response document.
fn item_schema<'a>(contract: &'a Contract, collection: &Collection<'_>) -> Option<&'a Value> {
    let document = &contract.response_document;
    let of = |role: Role| {
        collection.operations.iter().find(|(_, r)| *r == role).and_then(|(op, _)| {
            let media = success_media(op)?;
            let pointer = &media.schema.as_ref()?.pointer;
            document.pointer(pointer)
        })
    };
    if let Some(schema) = of(Role::Get).or_else(|| of(Role::Create)) {
        let schema = shape(document, schema);
        return Some(record_wrapper(document, schema).map_or(schema, |(_, record)| record));
    }
    let list = deref(document, of(Role::List)?);
    if let Some(items) = list.get("items") {
        return Some(deref(document, items));
    }
    array_property(document, list).map(|(_, items)| items)
}

/// Whether a list's items and a create's answer share a property: then they are one kind of
/// record.
fn alike(contract: &Contract, (list, create): (&Operation, &Operation)) -> bool {
    let document = &contract.response_document;
    let answer = |operation: &Operation| {
        let pointer = &success_media(operation)?.schema.as_ref()?.pointer;
        Some(deref(document, document.pointer(pointer)?))
    };
    let (Some(list), Some(created)) = (answer(list), answer(create)) else { return true };
    let items = list
        .get("items")
        .map(|items| deref(document, items))
        .or_else(|| array_property(document, list).map(|(_, items)| items));
    let Some(items) = items else { return true };
    let created = record_wrapper(document, created).map_or(created, |(_, inner)| inner);
    let listed: Vec<&str> = properties(document, items).into_iter().map(|(n, _)| n).collect();
    let answered: Vec<&str> = properties(document, created).into_iter().map(|(n, _)| n).collect();
    listed.is_empty() || answered.is_empty() || answered.iter().any(|n| listed.contains(n))
}

/// A schema as its shape: referenced, and when it is only an `anyOf`/`oneOf` of alternatives,
/// its first alternative (what understudy answers with).
fn shape<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = deref(document, schema);
    if schema.get("properties").is_some() || schema.get("allOf").is_some() {
        return schema;
    }
    match ["anyOf", "oneOf"].iter().find_map(|k| schema.get(*k)?.as_array()?.first()) {
        Some(first) => deref(document, first),
        None => schema,
    }
}

/// Names of the property holding the record in a single-record answer (`{"data": {...}}`).
const WRAPPERS: [&str; 5] = ["data", "item", "result", "record", "resource"];

/// The property wrapping the record of a single-record answer (`{"data": {...}, "type": ...}`),
/// with the record's schema: an object answer without an `id` of its own, and exactly one
/// property named like a wrapper whose value is an object.
fn record_wrapper<'a>(document: &'a Value, schema: &'a Value) -> Option<(&'a str, &'a Value)> {
    let all = properties(document, schema);
    if all.iter().any(|(name, _)| *name == "id") {
        return None;
    }
    let wrapped: Vec<(&str, &Value)> = all
        .into_iter()
        .filter(|(name, _)| WRAPPERS.contains(name))
        .map(|(name, property)| (name, shape(document, property)))
        .filter(|(_, property)| {
            property.get("type") == Some(&json!("object"))
                || property.get("type").is_none() && property.get("properties").is_some()
        })
        .collect();
    (wrapped.len() == 1).then(|| wrapped[0])
}

/// The properties of an object schema, `allOf` members included.
fn properties<'a>(document: &'a Value, schema: &'a Value) -> Vec<(&'a str, &'a Value)> {
    let schema = shape(document, schema);
    let mut out: Vec<(&str, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        for (name, property) in properties(document, member) {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, property));
            }
        }
    }
    out
}

fn required<'a>(document: &'a Value, schema: &'a Value) -> Vec<&'a str> {
    let schema = shape(document, schema);
    let mut out: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        out.extend(required(document, member));
    }
    out
}

/// The one array property of a wrapper object (`{"data": [...], "total": 3}`), with its items'
/// schema.
fn array_property<'a>(document: &'a Value, schema: &'a Value) -> Option<(&'a str, &'a Value)> {
    let arrays: Vec<(&str, &Value)> = properties(document, schema)
        .into_iter()
        .filter_map(|(name, property)| {
            let property = deref(document, property);
            (property.get("type") == Some(&json!("array")))
                .then(|| property.get("items").map(|items| (name, deref(document, items))))
                .flatten()
        })
        .collect();
    (arrays.len() == 1).then(|| arrays[0])
}

/// The record key field: the item parameter's name when the schema has it, else `id`, else a
/// required property named like an id, else the parameter's name.
fn key_field(contract: &Contract, collection: &Collection<'_>) -> String {
    let document = &contract.response_document;
    let names: Vec<&str> = item_schema(contract, collection)
        .map(|schema| properties(document, schema).into_iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    if let Some(param) = &collection.item
        && names.contains(&param.as_str())
    {
        return param.clone();
    }
    if names.contains(&"id") {
        return "id".into();
    }
    let id_like = names
        .iter()
        .find(|n| n.ends_with("Id") || n.ends_with("_id") || n.ends_with("ID"))
        .or_else(|| {
            // A record with no id is found by a natural key (`GET /changelogs/{identifier}`
            // answering `{"slug": ...}`).
            ["slug", "name", "key", "code", "uuid", "username", "handle", "login"]
                .iter()
                .find(|natural| names.contains(natural))
        });
    match (id_like, &collection.item) {
        (Some(name), _) => (*name).to_owned(),
        (None, Some(param)) => param.clone(),
        (None, None) => "id".into(),
    }
}

/// The resource: key, how ids are made, parent, timestamps, seed records from the examples.
fn resource(contract: &Contract, collection: &Collection<'_>) -> Value {
    let document = &contract.response_document;
    let schema = item_schema(contract, collection);
    let key_schema = schema.and_then(|s| {
        properties(document, s)
            .into_iter()
            .find(|(n, _)| *n == collection.key)
            .map(|(_, p)| deref(document, p))
    });
    let mut resource = json!({"key": collection.key, "id": id(contract, collection, key_schema)});
    let declared = |field: &str| {
        schema.is_none_or(|s| properties(document, s).iter().any(|(n, _)| *n == field))
    };
    let mut hidden = Vec::new();
    if !declared(&collection.key) {
        // The key is kept to find the record, never shown: the schema has no such field.
        hidden.push(json!({"field": format!("/{}", collection.key)}));
    }
    if let Some((parent, field)) = &collection.parent {
        resource["parent"] = json!({"resource": parent, "field": field});
        if !declared(field) {
            // The link is kept for scoping, never shown: the schema has no such field.
            hidden.push(json!({"field": format!("/{field}")}));
        }
    }
    if !hidden.is_empty() {
        resource["write-only"] = Value::Array(hidden);
    }
    if let Some(timestamps) = schema.and_then(|s| timestamps(document, s)) {
        resource["timestamps"] = timestamps;
    }
    let seed = seed(collection);
    if !seed.is_empty() {
        resource["seed"] = Value::Array(seed);
    }
    resource
}

/// How new keys are made, from the key property's schema (or the path parameter's).
fn id(contract: &Contract, collection: &Collection<'_>, key_schema: Option<&Value>) -> Value {
    let param_schema = collection.item.as_ref().and_then(|name| {
        collection.operations.iter().find_map(|(op, _)| {
            op.parameters.iter().find(|p| p.location == ParameterLocation::Path && &p.name == name)
        })
    });
    let integer = key_schema
        .and_then(|s| s.get("type"))
        .map(|t| {
            t == "integer"
                || t == "number"
                || t.as_array().is_some_and(|a| a.contains(&json!("integer")))
        })
        .unwrap_or(false)
        || param_schema.is_some_and(|p| {
            matches!(
                p.kind,
                crate::contract::ValueKind::Integer | crate::contract::ValueKind::Number
            )
        });
    let client = client_keys(contract, collection);
    let mut id = if integer {
        json!({"kind": "integer"})
    } else if key_schema.and_then(|s| s.get("format")) == Some(&json!("uuid")) {
        json!({"kind": "uuid"})
    } else if let Some(pattern) = key_schema.and_then(|s| s.get("pattern")).and_then(Value::as_str)
    {
        json!({"pattern": pattern})
    } else {
        let length = key_schema
            .and_then(|s| s.get("maxLength").and_then(Value::as_u64))
            .map_or(12, |max| max.clamp(1, 12));
        let length = key_schema
            .and_then(|s| s.get("minLength").and_then(Value::as_u64))
            .map_or(length, |min| length.max(min));
        json!({"alphabet": "alphanumeric", "length": length})
    };
    if client {
        id["client"] = json!(true);
    }
    id
}

/// Whether clients choose keys: the create body requires the key field, or the item
/// parameter names a natural key (`username`, `slug`, `name`, `code`, `key`).
fn client_keys(contract: &Contract, collection: &Collection<'_>) -> bool {
    let natural = collection.item.as_deref().is_some_and(|p| {
        let lower = p.to_ascii_lowercase();
        ["username", "name", "slug", "code", "key", "login", "email", "handle"]
            .iter()
            .any(|n| lower.ends_with(n))
    });
    let required_in_create =
        collection.operations.iter().filter(|(_, r)| *r == Role::Create).any(|(op, _)| {
            let Some(media) = op.body.as_ref().and_then(|b| b.content.first()) else {
                return false;
            };
            let Some(pointer) = media.schema.as_ref().map(|s| &s.pointer) else { return false };
            contract.document.pointer(pointer).is_some_and(|schema| {
                required(&contract.document, schema).contains(&collection.key.as_str())
            })
        });
    natural || required_in_create && collection.key != "id"
}

/// `createdAt`/`updatedAt` (and their snake-case twins) with `format: date-time`.
fn timestamps(document: &Value, schema: &Value) -> Option<Value> {
    let dated: Vec<&str> = properties(document, schema)
        .into_iter()
        .filter(|(_, p)| deref(document, p).get("format") == Some(&json!("date-time")))
        .map(|(n, _)| n)
        .collect();
    let find = |names: &[&str]| dated.iter().find(|n| names.contains(n)).map(|n| (*n).to_owned());
    let created =
        find(&["createdAt", "created_at", "created", "creationDate", "dateCreated", "createdOn"]);
    let updated =
        find(&["updatedAt", "updated_at", "updated", "modifiedAt", "lastModified", "dateModified"]);
    if created.is_none() && updated.is_none() {
        return None;
    }
    Some(json!({"created": created, "updated": updated}))
}

/// Records from the contract's examples of the item, list and create answers that are valid
/// for their schema and carry a key; the first of each key wins.
fn seed(collection: &Collection<'_>) -> Vec<Value> {
    if collection.parent.is_some() {
        return Vec::new(); // examples do not say which parent a record belongs to
    }
    let mut records: Vec<Value> = Vec::new();
    let mut keep = |record: &Value| {
        let Some(key) = record.get(&collection.key).filter(|k| k.is_string() || k.is_number())
        else {
            return;
        };
        if !records.iter().any(|r| r.get(&collection.key) == Some(key)) {
            records.push(record.clone());
        }
    };
    for (operation, role) in &collection.operations {
        if !matches!(role, Role::Get | Role::List | Role::Create | Role::Search) {
            continue;
        }
        let Some(media) = success_media(operation) else { continue };
        for example in &media.examples {
            if media.schema.as_ref().is_some_and(|s| !s.is_valid(&example.value)) {
                continue; // an example that breaks its own schema is no record
            }
            match &example.value {
                Value::Array(items) => items.iter().for_each(&mut keep),
                Value::Object(map) if map.contains_key(&collection.key) => keep(&example.value),
                Value::Object(map) => {
                    for value in map.values() {
                        match value {
                            Value::Array(items) => items.iter().for_each(&mut keep),
                            // `{"data": {...}}`: a wrapped record
                            Value::Object(inner) if inner.contains_key(&collection.key) => {
                                keep(value);
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    records
}

/// The behaviour of one operation on its collection, or `None` to answer from the contract.
fn behaviour(
    contract: &Contract,
    collection: &Collection<'_>,
    operation: &Operation,
    role: Role,
) -> Option<Value> {
    let status = success_status(operation)?;
    let name = &collection.name;
    let item = collection.item.as_deref().unwrap_or("id");
    let mut behaviour = match role {
        Role::List | Role::Search => {
            let mut list = json!({"list": name});
            let filters = filters(contract, collection, operation);
            if !filters.is_empty() {
                list["filters"] = Value::Array(filters);
            }
            if let Some(pagination) = pagination(operation) {
                list["pagination"] = pagination;
            }
            if let Some(body) = list_body(contract, operation) {
                list["body"] = body;
            }
            list
        }
        Role::Create => {
            let mut create = json!({"create": name, "schema-defaults": true});
            if let Some(defaults) = defaults(contract, collection, operation) {
                create["defaults"] = defaults;
            }
            create
        }
        Role::Get => json!({"get": name, "key": item}),
        Role::Replace => {
            let mut replace =
                json!({"update": name, "key": item, "merge": "replace", "create-missing": true});
            if let Some(defaults) = defaults(contract, collection, operation) {
                replace["defaults"] = defaults;
            }
            replace
        }
        Role::Patch => json!({"update": name, "key": item, "merge": "merge-patch"}),
        Role::Delete => json!({"delete": name, "key": item}),
        Role::ReplaceByBody => {
            json!({"update": name, "key": format!("{{{{request.{}}}}}", collection.key), "merge": "replace"})
        }
    };
    behaviour["status"] = json!(status);
    if !matches!(role, Role::List | Role::Search | Role::Delete)
        && let Some(body) = record_body(contract, operation)
    {
        behaviour["body"] = body;
    }
    if let Some((_, param)) = &collection.parent
        && !matches!(role, Role::ReplaceByBody)
    {
        behaviour["parent"] = json!(param);
    }
    Some(behaviour)
}

/// The body of a single-record answer that wraps the record (`{"data": "{{record}}"}`), with
/// every other required property from the schema's sample.
fn record_body(contract: &Contract, operation: &Operation) -> Option<Value> {
    let media = success_media(operation)?;
    let document = &contract.response_document;
    let schema = document.pointer(&media.schema.as_ref()?.pointer)?;
    let (wrapper, _) = record_wrapper(document, schema)?;
    let sample = media.sample.clone().unwrap_or(Value::Null);
    let mut body = Map::new();
    for name in required(document, schema) {
        if let Some(value) = sample.get(name) {
            body.insert(name.to_owned(), value.clone());
        }
    }
    body.insert(wrapper.to_owned(), json!("{{record}}"));
    Some(Value::Object(body))
}

/// Equality filters for the query parameters named like scalar properties of the item.
fn filters(contract: &Contract, collection: &Collection<'_>, operation: &Operation) -> Vec<Value> {
    let document = &contract.response_document;
    let Some(schema) = item_schema(contract, collection) else { return Vec::new() };
    let scalars: Vec<&str> = properties(document, schema)
        .into_iter()
        .filter(|(_, p)| {
            let p = deref(document, p);
            !matches!(p.get("type").and_then(Value::as_str), Some("object" | "array"))
        })
        .map(|(n, _)| n)
        .collect();
    operation
        .parameters
        .iter()
        .filter(|p| p.location == ParameterLocation::Query && scalars.contains(&p.name.as_str()))
        .map(|p| json!({"query": p.name, "field": format!("/{}", p.name), "match": "equals"}))
        .collect()
}

/// Page-number pagination when the list takes `page` and a size parameter.
fn pagination(operation: &Operation) -> Option<Value> {
    // Only integer parameters: the engine reads pages and sizes as integers, and a document
    // that declares `per_page` a `number` accepts `7.5` (ReadMe's API does).
    let query: Vec<&str> = operation
        .parameters
        .iter()
        .filter(|p| {
            p.location == ParameterLocation::Query && p.kind == crate::contract::ValueKind::Integer
        })
        .map(|p| p.name.as_str())
        .collect();
    let size = ["limit", "per_page", "perPage", "pageSize", "page_size", "size"]
        .into_iter()
        .find(|s| query.contains(s))?;
    let position = ["page", "pageNumber", "page_number"].into_iter().find(|s| query.contains(s))?;
    Some(json!({"style": "page", "limit": {"query": size}, "page": {"query": position}}))
}

/// The body of a list whose answer is a wrapper object: the items under its array property,
/// a `total`/`count` under the count, every other required property from the schema's sample.
fn list_body(contract: &Contract, operation: &Operation) -> Option<Value> {
    let media = success_media(operation)?;
    let document = &contract.response_document;
    let schema = deref(document, document.pointer(&media.schema.as_ref()?.pointer)?);
    let (items, _) = array_property(document, schema)?;
    let sample = media.sample.clone().unwrap_or(Value::Null);
    let mut body = Map::new();
    for (name, property) in properties(document, schema) {
        let property = deref(document, property);
        let counted = matches!(
            name,
            "total" | "count" | "totalCount" | "total_count" | "totalItems" | "total_items"
        ) && property.get("type").is_some_and(|t| t == "integer" || t == "number");
        if name == items {
            body.insert(name.to_owned(), json!("{{items}}"));
        } else if counted {
            body.insert(name.to_owned(), json!("{{count}}"));
        } else if let Some(value) = sample.get(name) {
            body.insert(name.to_owned(), value.clone());
        }
    }
    Some(Value::Object(body))
}

/// Values for the properties the answer requires and the request may leave out, from the
/// answer schema's sample (the key and the parent link are the engine's to set).
fn defaults(
    contract: &Contract,
    collection: &Collection<'_>,
    operation: &Operation,
) -> Option<Value> {
    let media = success_media(operation)?;
    let document = &contract.response_document;
    let schema = document.pointer(&media.schema.as_ref()?.pointer)?;
    let sample = media.sample.as_ref()?;
    // A wrapped record's defaults come from the record's schema and sample.
    let (schema, sample) = match record_wrapper(document, schema) {
        Some((wrapper, record)) => (record, sample.get(wrapper)?),
        None => (schema, sample),
    };
    let mut defaults = Map::new();
    for name in required(document, schema) {
        let parent = collection.parent.as_ref().is_some_and(|(_, field)| field == name);
        if name == collection.key || parent {
            continue;
        }
        if let Some(value) = sample.get(name) {
            defaults
                .insert(format!("/{}", crate::json::pointer::escape_token(name)), value.clone());
        }
    }
    (!defaults.is_empty()).then_some(Value::Object(defaults))
}
