//! What inference writes for one collection: its resource (key, ids, seed records,
//! timestamps) and each operation's behaviour (action, body, filters, pagination, defaults).

use crate::contract::document::deref;
use crate::contract::{Contract, Operation, ParameterLocation};
use serde_json::{Map, Value, json};

use super::collection::{Collection, Role, item_schema, success_media, success_status};
use super::schema::{array_property, properties, record_wrapper, required};

/// The resource: key, how ids are made, parent, timestamps, seed records from the examples.
pub(super) fn resource(contract: &Contract, collection: &Collection<'_>) -> Value {
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
pub(super) fn id(
    contract: &Contract,
    collection: &Collection<'_>,
    key_schema: Option<&Value>,
) -> Value {
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
pub(super) fn client_keys(contract: &Contract, collection: &Collection<'_>) -> bool {
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
pub(super) fn timestamps(document: &Value, schema: &Value) -> Option<Value> {
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
pub(super) fn seed(collection: &Collection<'_>) -> Vec<Value> {
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
pub(super) fn behaviour(
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
pub(super) fn record_body(contract: &Contract, operation: &Operation) -> Option<Value> {
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
pub(super) fn filters(
    contract: &Contract,
    collection: &Collection<'_>,
    operation: &Operation,
) -> Vec<Value> {
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
pub(super) fn pagination(operation: &Operation) -> Option<Value> {
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
pub(super) fn list_body(contract: &Contract, operation: &Operation) -> Option<Value> {
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
pub(super) fn defaults(
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
