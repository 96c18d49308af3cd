//! Finding the collections of a contract in its paths: which operations list, create, read,
//! replace, patch or delete the records of one collection, how it is named, its parent, and
//! the field that keys its records.

use serde_json::Value;

use crate::contract::document::deref;
use crate::contract::{Contract, MediaType, Operation, StatusKey};

use super::schema::{array_property, properties, record_wrapper, shape};

/// What an operation does to its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
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
pub(super) struct Collection<'a> {
    /// Its name in the scenario.
    pub(super) name: String,
    /// Its path without an item parameter (`/users/{userId}/posts`).
    pub(super) base: String,
    /// The item path's parameter (`postId`), if there is an item path.
    pub(super) item: Option<String>,
    /// The parent: its collection name and the path parameter naming it.
    pub(super) parent: Option<(String, String)>,
    /// The operations acting on it.
    pub(super) operations: Vec<(&'a Operation, Role)>,
    /// The record key field.
    pub(super) key: String,
}

pub(super) fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

pub(super) fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}') && segment.matches('{').count() == 1
}

pub(super) fn param_name(segment: &str) -> &str {
    segment.trim_start_matches('{').trim_end_matches('}')
}

/// The collections of a contract, with the operations acting on each.
pub(super) fn collections(contract: &Contract) -> Vec<Collection<'_>> {
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

pub(super) fn collection_for<'a, 'c>(
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
pub(super) fn name_collections(found: &mut [Collection<'_>]) {
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

pub(super) fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .collect()
}

/// A collection under another one's item (`/users/{userId}/posts`) belongs to it; under a
/// parameter no collection owns, to a parent that exists for any id.
pub(super) fn link_parents(found: &mut [Collection<'_>]) {
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

pub(super) fn parents_without_collection(found: &[Collection<'_>]) -> Vec<String> {
    found
        .iter()
        .filter_map(|c| c.parent.as_ref().map(|(name, _)| name.clone()))
        .filter(|name| !found.iter().any(|c| &c.name == name))
        .collect()
}

/// Whether an operation's success answer is a JSON array.
pub(super) fn answers_array(operation: &Operation) -> bool {
    success_schema_type(operation) == Some("array")
}

/// The lowest documented 2xx status; 200 when only `default` is documented (it covers every
/// status, success included); `None` when the operation documents failures only.
pub(super) fn success_status(operation: &Operation) -> Option<u16> {
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

pub(super) fn success_media(operation: &Operation) -> Option<&MediaType> {
    let status = success_status(operation)?;
    let spec = operation.response(status)?;
    spec.content.iter().find(|m| m.media.contains("json")).or(spec.content.first())
}

/// The `type` of the success answer's schema, as the sample of it shows.
pub(super) fn success_schema_type(operation: &Operation) -> Option<&'static str> {
    let sample = success_media(operation)?.sample.as_ref()?;
    Some(match sample {
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        _ => "scalar",
    })
}

/// The schema of one record: the item `GET`'s answer, else the create's answer, else the
/// items of the list, as a value of the response document.
pub(super) fn item_schema<'a>(
    contract: &'a Contract,
    collection: &Collection<'_>,
) -> Option<&'a Value> {
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
pub(super) fn alike(contract: &Contract, (list, create): (&Operation, &Operation)) -> bool {
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

/// The record key field: the item parameter's name when the schema has it, else `id`, else a
/// required property named like an id, else the parameter's name.
pub(super) fn key_field(contract: &Contract, collection: &Collection<'_>) -> String {
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
