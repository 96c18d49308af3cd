//! Store actions: `list`, `get`, `create`, `update` and `delete` on one resource, run as one
//! atomic step on the session's data, with the operation's rules checked inside it.
//!
//! An action may first make sure records it depends on exist (the parent the path names, the
//! records `exists:` asks for, created on the spot when their resource `auto-create`s ids of
//! that form). Creating stamps timestamps, makes the key, applies `defaults` and `set`, and
//! adds the `on-create` children; updating merges the body into the stored record by the
//! operation's strategy, keeping what is not the client's to change.
//!
//! A write's answer is rendered and self-checked before the session's lock is released: in
//! strict mode a write whose answer breaks the contract is rolled back (records, counters, the
//! random source and the clock as they were) and answered 500, so that no later read trips
//! over what it stored. An action that wrote nothing is rendered after the lock, as before.

use serde_json::{Map, Value};

use crate::contract::validate;
use crate::json::pointer;
use crate::mock::check::{self, Checked};
use crate::mock::engine::call::{Call, Outcome, Scope};
use crate::mock::engine::list::list;
use crate::mock::engine::merge;
use crate::mock::engine::render::render;
use crate::mock::engine::rules::{
    check_immutable, check_only_with, check_preconditions, check_require_any, check_unique, refusal,
};
use crate::mock::respond::{Failure, Reply};
use crate::mock::store::{Store, Tx};
use crate::scenario::{
    Action, IdGenerator, KeySource, Merge, OperationBehaviour, Resource, Scenario, SetValue,
};
use crate::words::singular;

pub(crate) fn act(
    call: &mut Call<'_>,
    behaviour: &OperationBehaviour,
    store: &Store,
) -> Result<Reply, Failure> {
    // The body first: it is taken out of the call when no template reads it.
    let body = request_body(call, behaviour);
    let call = &*call;
    let version = call.version;
    let scenario = &version.scenario;
    let resource = scenario
        .resource(&behaviour.resource)
        .expect("scenario operations name defined resources (checked at load)");
    let context = call.context();
    let parent = match (&behaviour.parent, &resource.parent) {
        (Some(param_name), Some(parent)) => Some((parent, call.param(param_name))),
        _ => None,
    };
    let key = match &behaviour.key {
        Some(KeySource::Param(name)) => Some(call.param(name)),
        Some(KeySource::Template(template)) => Some(template.render_text(&context)),
        None => None,
    };
    let session = call.request.session();

    let done = store.with(&version.key, session, scenario, move |tx| {
        // In strict mode every change is journaled, so that a write whose answer fails the
        // self-check can be taken back before the lock is released (and anyone reads it).
        if call.strict {
            tx.savepoint();
        }
        if let Some((parent, id)) = &parent {
            ensure(tx, scenario, &parent.resource, id)?;
        }
        for exists in &behaviour.exists {
            let id = exists.key.render_text(&context);
            ensure(tx, scenario, &exists.resource, &id)?;
            let record = tx.get(&exists.resource, &id).cloned().unwrap_or_default();
            for (field, template) in &exists.fields {
                let wanted = template.render_text(&context);
                if record.pointer(field).map(crate::json::text::as_text).as_deref()
                    != Some(wanted.as_str())
                {
                    return Err(Failure::NotFound { resource: exists.resource.clone(), id });
                }
            }
        }
        let scope = Scope {
            resource,
            parent: parent.as_ref().map(|(p, id)| (p.field.as_str(), id.as_str())),
        };
        let outcome = match behaviour.action {
            Action::List => list(call, behaviour, &scope, tx, &context).map(Outcome::Page),
            Action::Get => {
                let key = key.unwrap_or_default();
                scope.find(tx, &key).map(|stored| Outcome::Record { stored, status: None })
            }
            Action::Create => create(call, behaviour, &scope, tx, body, false),
            Action::Update => update(call, behaviour, &scope, tx, key.unwrap_or_default(), body),
            Action::Delete => {
                let key = key.unwrap_or_default();
                match scope.find(tx, &key) {
                    Ok(record) => {
                        check_preconditions(call.operation, behaviour, resource, &record)?;
                        tx.remove(&resource.name, &key);
                        Ok(Outcome::Record { stored: record, status: None })
                    }
                    Err(failure) => match behaviour.missing {
                        Some(status) => Ok(Outcome::Missing(status)),
                        None => Err(failure),
                    },
                }
            }
        }?;
        // Nothing written (or nothing to take back): rendered and checked after the lock is
        // released, as any answer.
        if !call.strict || !tx.changed_since_savepoint() {
            let outcome = match outcome {
                Outcome::Stored { key, status } => {
                    let stored = scope.find(tx, &key)?;
                    Outcome::Record { stored, status }
                }
                other => other,
            };
            return Ok(Done::Unchecked(outcome, context));
        }
        let reply = render(call, behaviour, resource, outcome, context, Some(tx))?;
        match check::self_check(true, version, call.operation, reply) {
            Checked::Passed(mut reply) => {
                reply.checked = true;
                Ok(Done::Checked(reply))
            }
            // Taken back; the service answers the failure (and the journal says why).
            Checked::Failed(failure) => {
                tx.rollback();
                Err(failure)
            }
        }
    })?;

    match done {
        Done::Unchecked(outcome, context) => {
            render(call, behaviour, resource, outcome, context, None)
        }
        Done::Checked(reply) => Ok(reply),
    }
}

/// What an action's step under the session's lock produced.
enum Done {
    /// What it found, to render (and check) once the lock is released: nothing was written.
    Unchecked(Outcome, Value),
    /// The answer to a write, rendered and checked under the lock (a failed check is an
    /// error instead, the write taken back).
    Checked(Reply),
}

/// Makes sure a record exists: present, or created now because its resource auto-creates keys
/// of this form (with its `on-create` children). Otherwise 404.
fn ensure(
    tx: &mut Tx<'_>,
    scenario: &Scenario,
    resource_name: &str,
    id: &str,
) -> Result<(), Failure> {
    if tx.get(resource_name, id).is_some() {
        return Ok(());
    }
    let not_found = || Failure::NotFound { resource: resource_name.to_owned(), id: id.to_owned() };
    let resource = scenario.resource(resource_name).ok_or_else(not_found)?;
    if !resource.auto_create.as_ref().is_some_and(|pattern| pattern.is_match(id)) {
        return Err(not_found());
    }
    let mut record = Map::new();
    if let Some(field) = resource.key_field() {
        record.insert(field.to_owned(), Value::String(id.to_owned()));
    }
    stamp(tx, resource, &mut record, true);
    tx.put(&resource.name, id.to_owned(), Value::Object(record));
    create_children(tx, scenario, resource, id);
    Ok(())
}

/// The `on-create` records of a new record of `resource`.
fn create_children(tx: &mut Tx<'_>, scenario: &Scenario, resource: &Resource, id: &str) {
    for (child_name, records) in &resource.on_create {
        let Some(child) = scenario.resource(child_name) else { continue };
        let Some(parent) = &child.parent else { continue };
        for template in records {
            let mut record = Map::new();
            if let Value::Object(fields) = template {
                record.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            record.insert(parent.field.clone(), Value::String(id.to_owned()));
            stamp(tx, child, &mut record, true);
            let record = with_key(tx, child, record, child.client_keys);
            tx.put(&child.name, child.key_of(&record), record);
        }
    }
}

/// An update of the record under `key`: the body merged in by the operation's strategy, with
/// its rules checked; a missing record is 404, or created under `key` when the operation
/// says `create-missing` (a `PUT` to a key the client chooses).
fn update(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &mut Tx<'_>,
    key: String,
    body: Value,
) -> Result<Outcome, Failure> {
    let resource = scope.resource;
    let old = match scope.find_ref(tx, &key) {
        Ok(old) => old,
        Err(_) if behaviour.create_missing => {
            let mut body = body;
            if let (Some(field), Value::Object(map)) = (resource.key_field(), &mut body) {
                map.insert(field.to_owned(), key_value(resource, &key));
            }
            return create(call, behaviour, scope, tx, body, true);
        }
        Err(failure) => return Err(failure),
    };
    check_preconditions(call.operation, behaviour, resource, old)?;
    check_require_any(call.operation, behaviour, &body)?;
    check_immutable(call.operation, behaviour, old, &body)?;
    check_only_with(call.operation, behaviour, old, &body)?;
    // The body is merged into the record where it is stored: the record is not copied for
    // the merge (what the body does not change is), nor for the rollback journal, and a
    // unique rule's refusal leaves it as it was.
    let stored = tx.update(&resource.name, &key, |tx, old| {
        let record =
            merged(call, behaviour, scope, tx, old, body, behaviour.merge, &behaviour.paths);
        check_unique(call.operation, behaviour, scope, tx, &record, Some(&key))?;
        Ok(record)
    });
    let not_found = || Failure::NotFound { resource: resource.name.clone(), id: key.clone() };
    stored.ok_or_else(not_found)??;
    Ok(Outcome::Stored { key, status: None })
}

/// A key from a path, as the record holds it: a number for integer ids (exactly when it fits
/// 64 bits, signed or not; past that as JSON reads it).
fn key_value(resource: &Resource, key: &str) -> Value {
    if resource.id == IdGenerator::Integer {
        if let Ok(number) = key.parse::<i64>() {
            return Value::from(number);
        }
        if let Ok(number) = key.parse::<u64>() {
            return Value::from(number);
        }
        let digits = key.strip_prefix('-').unwrap_or(key);
        if !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(number) = serde_json::from_str::<serde_json::Number>(key)
        {
            return Value::Number(number);
        }
    }
    Value::String(key.to_owned())
}

/// A create: the body, parent link, defaults and `set` values, stamped and keyed (the key
/// generated, or kept from the body when the resource takes client keys or `keep_key`), or an
/// upsert into the record sharing the `upsert` fields.
fn create(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &mut Tx<'_>,
    body: Value,
    keep_key: bool,
) -> Result<Outcome, Failure> {
    let resource = scope.resource;
    let keep_key = keep_key || resource.client_keys;
    check_require_any(call.operation, behaviour, &body)?;
    check_only_with(call.operation, behaviour, &body, &body)?;
    // The record as it would be created (without its key yet, unless the client chooses
    // keys): body, parent link, set values.
    let mut candidate = Map::new();
    if let Value::Object(body) = &body {
        let key_field = resource.key_field().filter(|_| !keep_key);
        candidate.extend(
            body.iter()
                .filter(|(k, _)| Some(k.as_str()) != key_field)
                .map(|(k, v)| (k.clone(), v.clone())),
        );
    }
    if let Some((field, id)) = scope.parent {
        candidate.insert(field.to_owned(), Value::String(id.to_owned()));
    }
    let candidate = apply_set(call, behaviour, tx, Value::Object(candidate));
    if let Some(upsert) = &behaviour.upsert {
        // The first record (in insertion order) holding the candidate's values, from the index.
        let values: Option<Vec<&Value>> =
            upsert.fields.iter().map(|f| candidate.pointer(f)).collect();
        let first =
            values.and_then(|v| tx.matching(&scope.lookup(&upsert.fields), &v).into_iter().next());
        if let Some(key) = first {
            let stored = tx.update(&resource.name, &key, |tx, old| {
                let record =
                    merged(call, behaviour, scope, tx, old, body, upsert.merge, &upsert.paths);
                check_unique(call.operation, behaviour, scope, tx, &record, Some(&key))?;
                Ok(record)
            });
            if let Some(stored) = stored {
                stored?;
                return Ok(Outcome::Stored { key, status: upsert.status });
            }
        }
    }
    let Value::Object(mut record) = candidate else { unreachable!("apply_set keeps an object") };
    stamp(tx, resource, &mut record, true);
    let record = with_key(tx, resource, record, keep_key);
    let key = resource.key_of(&record);
    check_unique(call.operation, behaviour, scope, tx, &record, None)?;
    if tx.get(&resource.name, &key).is_some() {
        let message = format!("{} `{key}` already exists", singular(&resource.name));
        return Err(refusal(call.operation, format!("key: {key} is taken"), None, 409, message));
    }
    tx.put(&resource.name, key.clone(), record);
    create_children(tx, &call.version.scenario, resource, &key);
    Ok(Outcome::Stored { key, status: None })
}

/// A new record with its generated key field first, as vendors print it (composite keys are
/// computed from the fields and stored nowhere).
fn with_key(
    tx: &mut Tx<'_>,
    resource: &Resource,
    mut fields: Map<String, Value>,
    keep_key: bool,
) -> Value {
    let Some(field) = resource.key_field() else { return Value::Object(fields) };
    // A key the client gave is kept where the resource (or the operation) says so.
    let given = keep_key
        .then(|| fields.shift_remove(field))
        .flatten()
        .filter(|k| k.is_string() || k.is_number());
    let key = given.unwrap_or_else(|| tx.new_id(resource, &Value::Object(fields.clone())));
    let mut record = Map::new();
    record.insert(field.to_owned(), key);
    record.extend(fields);
    Value::Object(record)
}

/// `old` with `body` merged in; key, parent link and creation time kept; `updated` stamped;
/// defaults and `set` applied.
#[allow(clippy::too_many_arguments)]
fn merged(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &mut Tx<'_>,
    old: &Value,
    body: Value,
    merge: Merge,
    paths: &std::collections::BTreeMap<String, Merge>,
) -> Value {
    let resource = scope.resource;
    // The key, the parent link and the creation time are not the client's to change.
    let keep = [resource.key_field(), scope.parent.map(|(field, _)| field)];
    let created = resource.timestamps.as_ref().and_then(|t| t.created.as_deref());
    let kept: Vec<(&str, Option<Value>)> =
        keep.into_iter().flatten().chain(created).map(|f| (f, old.get(f).cloned())).collect();
    let mut record = match (old, body.is_object()) {
        (old, true) => match merge::apply(Some(old), body, "", merge, paths) {
            Some(Value::Object(record)) => record,
            _ => Map::new(),
        },
        (Value::Object(old), false) => old.clone(),
        (_, false) => Map::new(),
    };
    for (field, value) in kept {
        match value {
            Some(value) => record.insert(field.to_owned(), value),
            None => record.shift_remove(field),
        };
    }
    stamp(tx, resource, &mut record, false);
    apply_set(call, behaviour, tx, Value::Object(record))
}

/// The request body as the action stores it: without the fields its schema does not declare,
/// with the schema's defaults filled in when the operation asks for them.
fn request_body(call: &mut Call<'_>, behaviour: &OperationBehaviour) -> Value {
    // Taken when nothing reads `request` later (its context is built from this same field).
    let sent = match behaviour.reads_request {
        true => call.body.clone(),
        false => call.body.take(),
    };
    let mut body = sent.unwrap_or_else(|| Value::Object(Map::new()));
    let media = call.request.media_type().unwrap_or_default();
    let schema = call
        .operation
        .body
        .as_ref()
        .and_then(|b| validate::find_media(&b.content, &media))
        .and_then(|m| m.schema.as_ref());
    if let Some(schema) = schema {
        let bodies = &call.version.contract.bodies;
        // What the vendor would ignore is never stored, so never echoed.
        bodies.prune(&schema.pointer, &mut body);
        if behaviour.schema_defaults {
            bodies.fill_defaults(&schema.pointer, &mut body);
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
            pointer::set(&mut record, pointer, value.clone());
        }
    }
    for (pointer, value) in &behaviour.set {
        let value = match value {
            SetValue::Random { alphabet, length } => Value::String(tx.random(*alphabet, *length)),
            SetValue::Template(template) => {
                let mut context = call.context();
                context["stored"] = record.clone();
                template.render(&context)
            }
        };
        pointer::set(&mut record, pointer, value);
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
