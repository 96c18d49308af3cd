//! The engine: what an operation answers, once the request has passed routing, auth and
//! validation.
//!
//! Three sources, in order:
//!
//! 1. `Prefer: code=` / `example=` (see `prefer.rs`): the documented response asked for,
//!    built from the contract; the store is not touched.
//! 2. The scenario's behaviour for the operation: a store action (list, get, create, update,
//!    delete) run atomically on the session's data, rendered with the operation's templates.
//! 3. Otherwise the contract: the lowest documented 2xx with its first example, or a sample
//!    generated from its schema.
//!
//! The engine never builds error bodies itself: it returns a [`Failure`] and `respond.rs`
//! renders it in the API's envelope.

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::auth::Principal;
use crate::catalog::Api;
use crate::contract::{MediaType, Operation, ResponseSpec, StatusKey};
use crate::prefer::Prefer;
use crate::request::Request;
use crate::respond::{Failure, Reply};
use crate::scenario::{Action, OperationBehaviour, Resource, SetValue};
use crate::store::{Store, Tx, key_text};
use crate::validate::{self, Validated};

/// Everything the engine knows about one call.
#[derive(Debug)]
pub struct Call<'a> {
    /// The API.
    pub api: &'a Api,
    /// The operation.
    pub operation: &'a Operation,
    /// The request.
    pub request: &'a Request,
    /// Decoded path parameters.
    pub params: &'a [(String, String)],
    /// What validation extracted.
    pub validated: &'a Validated,
    /// Who is calling.
    pub principal: &'a Principal,
}

/// Decides the reply for a valid request.
pub fn decide(call: &Call<'_>, prefer: &Prefer, store: &Store) -> Result<Reply, Failure> {
    if prefer.is_set() {
        return documented(call.operation, prefer);
    }
    match call.api.scenario.operations.get(&call.operation.id) {
        Some(behaviour) => act(call, behaviour, store),
        None => documented(call.operation, prefer),
    }
}

// === Documented responses ===

/// A reply built from the contract: the status and example `prefer` asks for, or the lowest
/// documented 2xx with its first example.
pub fn documented(operation: &Operation, prefer: &Prefer) -> Result<Reply, Failure> {
    let (status, spec) = match prefer.code {
        Some(code) => match operation.response(code) {
            Some(spec) => (code, Some(spec)),
            None => {
                return Err(Failure::BadPrefer {
                    reason: format!(
                        "Prefer: code={code} is not documented for `{}`; documented: {}",
                        operation.id,
                        operation.documented_statuses().join(", ")
                    ),
                });
            }
        },
        None => match &prefer.example {
            Some(name) => match find_example(operation, name) {
                Some((spec, _)) => (status_of(spec.status), Some(spec)),
                None => return Err(unknown_example(operation, name, None)),
            },
            None => {
                let status = operation.success_status();
                (status, operation.response(status))
            }
        },
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let Some(spec) = spec else { return Ok(Reply::empty(status_code)) };
    let media = spec.content.iter().find(|m| validate::is_json(&m.media)).or(spec.content.first());
    let body = match (media, &prefer.example) {
        (Some(media), Some(name)) => match media.examples.iter().find(|e| &e.name == name) {
            Some(example) => Some(example.value.clone()),
            None => return Err(unknown_example(operation, name, Some(status))),
        },
        (Some(media), None) => {
            media.examples.first().map(|e| e.value.clone()).or_else(|| media.sample.clone())
        }
        (None, Some(name)) => return Err(unknown_example(operation, name, Some(status))),
        (None, None) => None,
    };
    // An error status without an example is rendered in the API's envelope.
    if status >= 400 && body.is_none() {
        return Err(Failure::Forced { status: status_code });
    }
    let mut reply = match (body, media) {
        (Some(body), Some(media)) if !matches!(status, 204 | 205 | 304) => {
            Reply::json(status_code, body, media_text(media))
        }
        _ => Reply::empty(status_code),
    };
    for header in &spec.headers {
        if let Some(sample) = &header.sample {
            reply.insert_header(&header.name, sample);
        }
    }
    Ok(reply)
}

fn status_of(key: StatusKey) -> u16 {
    match key {
        StatusKey::Code(code) => code,
        StatusKey::Range(class) => class * 100,
        StatusKey::Default => 500,
    }
}

fn find_example<'a>(
    operation: &'a Operation,
    name: &str,
) -> Option<(&'a ResponseSpec, &'a MediaType)> {
    operation.responses.iter().find_map(|spec| {
        let media = spec.content.iter().find(|m| m.examples.iter().any(|e| e.name == name))?;
        Some((spec, media))
    })
}

fn unknown_example(operation: &Operation, name: &str, status: Option<u16>) -> Failure {
    let known: Vec<String> = operation
        .responses
        .iter()
        .filter(|spec| status.is_none_or(|s| spec.status.covers(s)))
        .flat_map(|spec| {
            spec.content.iter().flat_map(move |m| {
                m.examples.iter().map(move |e| format!("{} ({})", e.name, spec.status))
            })
        })
        .collect();
    let scope = status.map(|s| format!(" for status {s}")).unwrap_or_default();
    let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
    Failure::BadPrefer {
        reason: format!(
            "Prefer: example={name}: `{}` has no example of that name{scope}; examples: {known}",
            operation.id
        ),
    }
}

fn media_text(media: &MediaType) -> &str {
    // A wildcard range is not a content type; send JSON for it.
    if media.media.contains('*') { "application/json" } else { &media.media }
}

// === Store actions ===

/// What an action found or changed, carried out of the store's lock for rendering: records as
/// stored (write-only fields included).
enum Outcome {
    Record(Value),
    List(Vec<Value>),
}

fn act(call: &Call<'_>, behaviour: &OperationBehaviour, store: &Store) -> Result<Reply, Failure> {
    let api = call.api;
    let scenario = &api.scenario;
    let resource = scenario
        .resource(&behaviour.resource)
        .expect("scenario operations name defined resources (checked at load)");
    let param = |name: &str| {
        call.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let parent = match (&behaviour.parent, &resource.parent) {
        (Some(param_name), Some(parent)) => Some((parent, param(param_name))),
        _ => None,
    };
    let key = behaviour.key.as_deref().map(param);
    let body = request_body(call, behaviour);

    let outcome = store.with(&api.name, call.request.session(), scenario, |tx| {
        if let Some((parent, id)) = &parent
            && tx.get(&parent.resource, id).is_none()
        {
            return Err(Failure::NotFound { resource: parent.resource.clone(), id: id.clone() });
        }
        let belongs = |record: &Value| match &parent {
            Some((parent, id)) => key_text(record.get(&parent.field)) == *id,
            None => true,
        };
        let find = |tx: &Tx<'_>, key: &str| -> Result<Value, Failure> {
            tx.get(&resource.name, key).filter(|record| belongs(record)).cloned().ok_or_else(|| {
                Failure::NotFound { resource: resource.name.clone(), id: key.to_owned() }
            })
        };
        match behaviour.action {
            Action::List => Ok(Outcome::List(
                tx.records(&resource.name).filter(|r| belongs(r)).cloned().collect(),
            )),
            Action::Get => find(tx, key.as_deref().unwrap_or_default()).map(Outcome::Record),
            Action::Create => {
                // The key first, as vendors print it, then the body.
                let new_key = tx.new_key(resource);
                let mut record = Map::new();
                record.insert(resource.key.clone(), Value::String(new_key.clone()));
                if let Value::Object(body) = &body {
                    record.extend(
                        body.iter()
                            .filter(|(k, _)| **k != resource.key)
                            .map(|(k, v)| (k.clone(), v.clone())),
                    );
                }
                if let Some((parent, id)) = &parent {
                    record.insert(parent.field.clone(), Value::String(id.clone()));
                }
                stamp(tx, resource, &mut record, true);
                let record = apply_set(call, behaviour, tx, Value::Object(record));
                tx.put(&resource.name, new_key, record.clone());
                Ok(Outcome::Record(record))
            }
            Action::Update => {
                let key = key.clone().unwrap_or_default();
                let old = find(tx, &key)?;
                let merged =
                    crate::merge::apply(Some(&old), &body, "", behaviour.merge, &behaviour.paths);
                let Some(Value::Object(mut record)) = merged else {
                    return Ok(Outcome::Record(old));
                };
                // The key, the parent link and the creation time are not the client's to change.
                let keep = [Some(&resource.key), parent.as_ref().map(|(p, _)| &p.field)];
                let created = resource.timestamps.as_ref().and_then(|t| t.created.as_ref());
                for field in keep.into_iter().flatten().chain(created) {
                    match old.get(field) {
                        Some(value) => record.insert(field.clone(), value.clone()),
                        None => record.shift_remove(field),
                    };
                }
                stamp(tx, resource, &mut record, false);
                let record = apply_set(call, behaviour, tx, Value::Object(record));
                tx.put(&resource.name, key, record.clone());
                Ok(Outcome::Record(record))
            }
            Action::Delete => {
                let key = key.clone().unwrap_or_default();
                let record = find(tx, &key)?;
                tx.remove(&resource.name, &key);
                Ok(Outcome::Record(record))
            }
        }
    })?;

    render(call, behaviour, resource, outcome)
}

/// The request body as the action stores it: with the schema's defaults filled in when the
/// operation asks for them.
fn request_body(call: &Call<'_>, behaviour: &OperationBehaviour) -> Value {
    let mut body = call.validated.body.clone().unwrap_or_else(|| Value::Object(Map::new()));
    if behaviour.schema_defaults {
        let media = call.request.media_type().unwrap_or_default();
        let schema = call
            .operation
            .body
            .as_ref()
            .and_then(|b| validate::find_media(&b.content, &media))
            .and_then(|m| m.schema.as_ref());
        let document = &call.api.contract.document;
        if let Some(raw) = schema.and_then(|s| document.pointer(&s.pointer)) {
            crate::schema::apply_defaults(document, raw, &mut body);
        }
    }
    body
}

/// Fills the operation's `defaults` the record lacks, then writes its `set` values.
fn apply_set(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    tx: &mut Tx<'_>,
    mut record: Value,
) -> Value {
    for (pointer, value) in &behaviour.defaults {
        if record.pointer(pointer).is_none() {
            set_pointer(&mut record, pointer, value.clone());
        }
    }
    for (pointer, value) in &behaviour.set {
        let value = match value {
            SetValue::Random { alphabet, length } => Value::String(tx.random(*alphabet, *length)),
            SetValue::Template(template) => {
                let mut context = base_context(call);
                context["stored"] = record.clone();
                template.render(&context)
            }
        };
        set_pointer(&mut record, pointer, value);
    }
    record
}

/// Sets the value at a JSON pointer, creating objects on the way.
fn set_pointer(target: &mut Value, pointer: &str, value: Value) {
    let tokens: Vec<String> =
        pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let Some((last, path)) = tokens.split_last() else {
        *target = value;
        return;
    };
    let mut current = target;
    for token in path {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        current = current
            .as_object_mut()
            .expect("just made an object")
            .entry(token.clone())
            .or_insert(Value::Null);
    }
    if !current.is_object() {
        *current = Value::Object(Map::new());
    }
    current.as_object_mut().expect("just made an object").insert(last.clone(), value);
}

/// A record as clients see it: write-only fields removed (except those `reveal`ed), their
/// flags derived.
pub fn view(resource: &Resource, stored: &Value, reveal: &[String]) -> Value {
    let mut record = stored.clone();
    for hidden in resource.write_only.iter().filter(|w| !reveal.contains(&w.field)) {
        let present = stored.pointer(&hidden.field).is_some_and(|v| !v.is_null());
        if let Some((parent, last)) = hidden.field.rsplit_once('/') {
            let holder =
                if parent.is_empty() { Some(&mut record) } else { record.pointer_mut(parent) };
            if let Some(Value::Object(map)) = holder {
                map.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
            }
        }
        if let Some(flag) = &hidden.flag {
            set_pointer(&mut record, flag, Value::Bool(present));
        }
    }
    record
}

/// Sets the resource's timestamps: both on create, `updated` on update.
fn stamp(tx: &mut Tx<'_>, resource: &Resource, record: &mut Map<String, Value>, creating: bool) {
    let Some(timestamps) = &resource.timestamps else { return };
    let now = tx.now(timestamps.format);
    if creating && let Some(field) = &timestamps.created {
        record.insert(field.clone(), Value::String(now.clone()));
    }
    if let Some(field) = &timestamps.updated {
        record.insert(field.clone(), Value::String(now));
    }
}

fn base_context(call: &Call<'_>) -> Value {
    let params: Map<String, Value> =
        call.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    json!({
        "params": params,
        "query": call.validated.query,
        "request": call.validated.body.clone().unwrap_or(Value::Null),
    })
}

fn render(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    resource: &Resource,
    outcome: Outcome,
) -> Result<Reply, Failure> {
    let operation = call.operation;
    let status = behaviour.status.unwrap_or_else(|| operation.success_status());
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut context = base_context(call);
    let default_body = match outcome {
        Outcome::Record(stored) => {
            let record = view(resource, &stored, &behaviour.reveal);
            context["stored"] = stored;
            context["record"] = record.clone();
            (behaviour.action != Action::Delete).then_some(record)
        }
        Outcome::List(stored) => {
            let items: Vec<Value> = stored
                .iter()
                .map(|stored| {
                    let record = view(resource, stored, &behaviour.reveal);
                    match &behaviour.item {
                        Some(item) => item.render(&json!({"record": record, "stored": stored})),
                        None => record,
                    }
                })
                .collect();
            context["count"] = json!(items.len());
            context["items"] = Value::Array(items.clone());
            Some(Value::Array(items))
        }
    };
    let body = match &behaviour.body {
        Some(template) => Some(template.render(&context)),
        None => default_body,
    };
    let media = operation
        .response(status)
        .and_then(|spec| {
            spec.content.iter().find(|m| validate::is_json(&m.media)).or(spec.content.first())
        })
        .map_or("application/json", media_text);
    let mut reply = match body {
        Some(body) if !matches!(status, 204 | 205 | 304) => Reply::json(status_code, body, media),
        _ => Reply::empty(status_code),
    };
    for (name, template) in &behaviour.headers {
        reply.insert_header(name, &crate::template::as_text(&template.render(&context)));
    }
    Ok(reply)
}
