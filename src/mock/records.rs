//! Whether stored records fit the contract: the check `PUT /__understudy/state` makes of every
//! record before it loads anything, and that an editor of one record (a dashboard) makes of
//! it before saving.
//!
//! A record fits when reading it cannot make the self-check fail: it is a JSON object, stored
//! under its own key, and what clients see of it (write-only fields removed, their flags
//! derived) is valid, in every dialect of its version, against its resource's schema: the
//! `schema:` the scenario names (what `lint` checks seed records against), else the answer
//! of the operation that reads one record by key (a `get` with no body template). A resource
//! with neither is checked for shape and key only. Schemas are compiled on first use and kept
//! by their contract, so serving requests never pays for them.
//!
//! Writes never need this: their answers are self-checked as they are made, and a write
//! whose answer fails is rolled back (`engine/action.rs`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::{Catalog, Version};
use crate::contract::schema::{Direction, Schema};
use crate::contract::validate;
use crate::json::pointer::push_token;
use crate::mock::engine::view;
use crate::mock::store::Data;
use crate::scenario::{Action, KeySource, Resource};

/// At most this many violations are listed in a refusal (all are counted).
pub const LISTED: usize = 1000;

/// One way a record breaks the contract.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// JSON pointer into the record (`""`: the record itself).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// One way a state document breaks the contract, and where: API (store key), session,
/// resource and key as far as they apply, then the pointer into the record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The API (`api` or `api@version`).
    pub api: String,
    /// The session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The record's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// JSON pointer into the record (`""`: the record, or what the other fields name).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// Every way `record`, stored under `key` in the resource named `resource` of `version` (its
/// active scenario), breaks the contract. Empty: it may be stored.
pub fn check_record(version: &Version, resource: &str, key: &str, record: &Value) -> Vec<Problem> {
    let problem = |pointer: &str, message: String| Problem { pointer: pointer.to_owned(), message };
    let Some(resource) = version.scenario.resource(resource) else {
        return vec![problem("", unknown_resource(version, resource))];
    };
    if !record.is_object() {
        return vec![problem("", "a record must be a JSON object".to_owned())];
    }
    let mut problems = Vec::new();
    let stored_under = resource.key_of(record);
    if stored_under != key {
        let pointer = resource.key_field().map(pointer_to).unwrap_or_default();
        problems.push(problem(
            &pointer,
            format!("the record's key is `{stored_under}`, but it is stored under `{key}`"),
        ));
    }
    let several = version.contracts.len() > 1;
    for (file, schema, reveal) in schemas(version, resource) {
        let seen = match schema {
            Ok(schema) => schema,
            Err(message) => {
                problems.push(problem("", message));
                continue;
            }
        };
        let visible = view(resource, record, reveal);
        for error in seen.errors(&visible) {
            let message = match several {
                true => format!("{} (per {file})", error.message),
                false => error.message,
            };
            let found = problem(&error.pointer, message);
            if !problems.contains(&found) {
                problems.push(found);
            }
        }
    }
    problems
}

/// Every way a state document (`{api: {session: data}}`) breaks the contract of `catalog`:
/// APIs, sessions and resources that do not exist, counters of unknown resources, and every
/// problem of every record ([`check_record`]). Empty: it may be loaded.
pub fn check_state(
    catalog: &Catalog,
    document: &BTreeMap<String, BTreeMap<String, Data>>,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (api, sessions) in document {
        let at = |session: Option<&str>, resource: Option<&str>, key: Option<&str>| Violation {
            api: api.clone(),
            session: session.map(str::to_owned),
            resource: resource.map(str::to_owned),
            key: key.map(str::to_owned),
            pointer: String::new(),
            message: String::new(),
        };
        let Some(version) = catalog.apis.iter().flat_map(|a| &a.versions).find(|v| &v.key == api)
        else {
            let served: Vec<&str> =
                catalog.apis.iter().flat_map(|a| &a.versions).map(|v| v.key.as_str()).collect();
            let message = format!("no API `{api}` is served (served: {})", served.join(", "));
            violations.push(Violation { message, ..at(None, None, None) });
            continue;
        };
        for (session, data) in sessions {
            if !crate::request::is_session_name(session.as_bytes()) {
                let message =
                    "a session name is 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -".to_owned();
                violations.push(Violation { message, ..at(Some(session), None, None) });
            }
            for (name, records) in &data.collections {
                if version.scenario.resource(name).is_none() {
                    let message = unknown_resource(version, name);
                    violations.push(Violation { message, ..at(Some(session), Some(name), None) });
                    continue;
                }
                for (key, record) in records {
                    for Problem { pointer, message } in check_record(version, name, key, record) {
                        let located = at(Some(session), Some(name), Some(key));
                        violations.push(Violation { pointer, message, ..located });
                    }
                }
            }
            for name in data.counters.keys() {
                if version.scenario.resource(name).is_none() {
                    let message = format!("counters: {}", unknown_resource(version, name));
                    violations.push(Violation { message, ..at(Some(session), Some(name), None) });
                }
            }
        }
    }
    violations
}

fn unknown_resource(version: &Version, name: &str) -> String {
    let known: Vec<&str> = version.scenario.resources.iter().map(|r| r.name.as_str()).collect();
    format!(
        "scenario `{}` has no resource `{name}` (it has: {})",
        version.scenario.name,
        known.join(", ")
    )
}

/// `/field` for a field name.
fn pointer_to(field: &str) -> String {
    push_token("", field)
}

/// What a resource's records are checked against, per dialect: the contract file, the schema
/// (or why it cannot be had), and the write-only fields the reading operation reveals.
fn schemas<'a>(
    version: &'a Version,
    resource: &'a Resource,
) -> Vec<(&'a str, Result<Schema, String>, &'a [String])> {
    let mut found = Vec::new();
    for contract in &version.contracts {
        let file = contract.file_name.as_str();
        if let Some(declared) = &resource.schema {
            let pointer = declared.strip_prefix('#').unwrap_or(declared);
            let schema = contract
                .compiled(Direction::Response, pointer)
                .map_err(|e| format!("resources.{}.schema `{declared}`: {e}", resource.name));
            found.push((file, schema, &[][..]));
            continue;
        }
        // The answer of the operation that reads one record as it is.
        let reader = version.scenario.operations.iter().find(|(_, b)| {
            b.action == Action::Get
                && b.resource == resource.name
                && b.body.is_none()
                && b.via.is_none()
                && matches!(b.key, Some(KeySource::Param(_)))
        });
        let Some((id, behaviour)) = reader else { continue };
        let Some(operation) = contract.operation(id) else { continue };
        let status = behaviour.status.unwrap_or_else(|| operation.success_status());
        let schema = operation
            .response(status)
            .and_then(|spec| spec.content.iter().find(|m| validate::is_json(&m.media)))
            .and_then(|media| media.schema.clone());
        if let Some(schema) = schema {
            found.push((file, Ok(schema), behaviour.reveal.as_slice()));
        }
    }
    found
}
