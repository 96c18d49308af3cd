//! Editing one stored record from the admin API (the dashboard's state view):
//! `PUT /__understudy/state/{api}/{session}/{resource}/{key}` replaces (or creates) a record,
//! `DELETE` removes it.
//!
//! A record is checked before it is stored: an object, under its own key, and valid against
//! the contract as clients would read it (write-only fields removed, their flags derived).
//! A record that breaks the contract is refused with 422 and every violation; nothing
//! changes. Fields sent as `‹redacted›` (what the state dump shows for secrets) keep their
//! stored value, so a record read from the dump can be edited and sent back.
//!
//! [`validate_record`] is the one place that decides what "valid" means, so that a fuller
//! check (the state document's, when it exists) can replace it without touching the route.

use http::StatusCode;
use serde_json::{Value, json};

use crate::catalog::Version;
use crate::contract::schema::Direction;
use crate::contract::validate::{Location, Violation};
use crate::json::secret::REDACTED;
use crate::mock::respond::Reply;
use crate::mock::state::State;
use crate::request::Request;
use crate::scenario::{Action, Resource};

/// `PUT` or `DELETE` of `/state/{api}/{session}/{resource}/{key}`; `rest` is what follows
/// `/state/`, still percent-encoded.
pub(crate) fn answer(app: &State, request: &Request, rest: &str) -> Reply {
    let parts: Vec<String> = rest
        .split('/')
        .map(|part| percent_encoding::percent_decode_str(part).decode_utf8_lossy().into_owned())
        .collect();
    let [api, session, resource_name, key] = parts.as_slice() else {
        return error(
            StatusCode::NOT_FOUND,
            "a record is /__understudy/state/{api}/{session}/{resource}/{key}",
        );
    };
    let catalog = app.catalog();
    let Some(version) = catalog.version(api) else {
        return error(StatusCode::NOT_FOUND, &format!("no API `{api}`"));
    };
    if !crate::request::is_session_name(session.as_bytes()) {
        return error(
            StatusCode::BAD_REQUEST,
            "the session must be 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -",
        );
    }
    let Some(resource) = version.scenario.resource(resource_name) else {
        return error(
            StatusCode::NOT_FOUND,
            &format!("scenario `{}` has no resource `{resource_name}`", version.scenario.name),
        );
    };
    let store = app.store();
    match request.method {
        http::Method::DELETE => {
            let removed = store.with(&version.key, session, &version.scenario, |tx| {
                tx.remove(&resource.name, key)
            });
            match removed {
                Some(_) => Reply::empty(StatusCode::NO_CONTENT),
                None => {
                    error(StatusCode::NOT_FOUND, &format!("{resource_name} `{key}` is not stored"))
                }
            }
        }
        http::Method::PUT => {
            let mut record: Value = match serde_json::from_slice(&request.body) {
                Ok(record) => record,
                Err(e) => {
                    return error(StatusCode::BAD_REQUEST, &format!("the record is not JSON: {e}"));
                }
            };
            // Checked outside the store's lock (a schema may be compiled): requests go on.
            let stored = store.with(&version.key, session, &version.scenario, |tx| {
                tx.get(&resource.name, key).cloned()
            });
            if let Some(stored) = &stored {
                keep_hidden(&mut record, stored);
            }
            if let Err(violations) = validate_record(version, resource, key, &record) {
                return refused(&violations);
            }
            store.with(&version.key, session, &version.scenario, |tx| {
                tx.put(&resource.name, key.clone(), record.clone());
            });
            let hidden: Vec<String> = resource.write_only.iter().map(|w| w.field.clone()).collect();
            crate::json::secret::redact(&mut record, &hidden);
            Reply::json(StatusCode::OK, json!({"record": record}), "application/json")
        }
        _ => {
            let mut reply = error(StatusCode::METHOD_NOT_ALLOWED, "use PUT, DELETE");
            reply.insert_header("allow", "PUT, DELETE");
            reply
        }
    }
}

/// Whether `record` may be stored as `key` of `resource`: every violation, or none.
///
/// An object under its own key, valid against the schema the resource names (`schema:` in
/// the scenario) in every dialect of the version, else against the documented answer of the
/// operation that reads one record as stored; both as clients see it (write-only fields
/// removed, their flags derived).
pub(crate) fn validate_record(
    version: &Version,
    resource: &Resource,
    key: &str,
    record: &Value,
) -> Result<(), Vec<Violation>> {
    let violation = |pointer: &str, message: String, schema: Option<String>| Violation {
        location: Location::Body,
        parameter: None,
        pointer: pointer.to_owned(),
        message,
        schema,
    };
    if !record.is_object() {
        return Err(vec![violation("", "a record must be a JSON object".into(), None)]);
    }
    let own = resource.key_of(record);
    if own != key {
        let field = resource.key_field().map(|f| format!("/{f}")).unwrap_or_default();
        return Err(vec![violation(
            &field,
            format!("the record's key is `{own}`, not `{key}` (a record keeps its key)"),
            None,
        )]);
    }
    let seen = crate::mock::engine::view(resource, record, &[]);
    let mut violations = Vec::new();
    match &resource.schema {
        Some(pointer) => {
            let target = pointer.strip_prefix('#').unwrap_or(pointer);
            for contract in &version.contracts {
                if contract.document.pointer(target).is_none() {
                    continue;
                }
                match contract.compile(Direction::Response, target) {
                    Ok(schema) => {
                        for error in schema.errors(&seen) {
                            let place = format!("{}#{}", contract.file_name, error.keyword);
                            violations.push(violation(&error.pointer, error.message, Some(place)));
                        }
                    }
                    Err(error) => violations.push(violation(
                        "",
                        format!("{pointer} of {} does not compile: {error}", contract.file_name),
                        None,
                    )),
                }
            }
        }
        None => {
            // The operation that answers one stored record as it is.
            let reader = version.contract.operations.iter().find(|op| {
                version.scenario.operations.get(&op.id).is_some_and(|b| {
                    b.action == Action::Get && b.resource == resource.name && b.body.is_none()
                })
            });
            let schema = reader.and_then(|op| {
                let status = op.success_status();
                op.response(status)?.content.iter().find_map(|m| m.schema.as_ref())
            });
            if let Some(schema) = schema {
                for error in schema.errors(&seen) {
                    let place = format!("{}#{}", version.contract.file_name, error.keyword);
                    violations.push(violation(&error.pointer, error.message, Some(place)));
                }
            }
        }
    }
    if violations.is_empty() { Ok(()) } else { Err(violations) }
}

/// Fields of `record` that read `‹redacted›` take the stored value at the same place.
fn keep_hidden(record: &mut Value, stored: &Value) {
    match (record, stored) {
        (Value::Object(fields), Value::Object(old)) => {
            for (name, value) in fields.iter_mut() {
                if let Some(previous) = old.get(name) {
                    keep_hidden(value, previous);
                }
            }
        }
        (Value::Array(items), Value::Array(old)) => {
            for (item, previous) in items.iter_mut().zip(old) {
                keep_hidden(item, previous);
            }
        }
        (value, previous) if value.as_str() == Some(REDACTED) => *value = previous.clone(),
        _ => {}
    }
}

/// 422 with every violation; the state is unchanged.
fn refused(violations: &[Violation]) -> Reply {
    let listed: Vec<Value> = violations
        .iter()
        .map(|v| json!({"pointer": v.pointer, "message": v.message, "contract": v.schema}))
        .collect();
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({"error": "the record breaks the contract; nothing was changed", "violations": listed}),
        "application/json",
    )
}

fn error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, json!({"error": message}), "application/json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_fields_keep_their_stored_values_at_any_depth() {
        let stored = json!({"a": "secret", "b": [{"k": "one"}, {"k": "two"}], "c": 1});
        let mut sent =
            json!({"a": REDACTED, "b": [{"k": "new"}, {"k": REDACTED}], "c": 2, "d": REDACTED});
        keep_hidden(&mut sent, &stored);
        assert_eq!(
            sent,
            json!({"a": "secret", "b": [{"k": "new"}, {"k": "two"}], "c": 2, "d": REDACTED})
        );
    }
}
