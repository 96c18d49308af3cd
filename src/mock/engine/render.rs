//! Rendering an action's outcome: the records as clients see them (write-only fields removed
//! unless revealed, their flags derived), the operation's body and header templates, the
//! status, and the content type the contract documents for it; with `fit-answers`, the body
//! fitted to the answer's schema when it breaks it (`contract/shape.rs`).

use std::borrow::Cow;

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::contract::MediaType;
use crate::contract::{shape, validate};
use crate::json::pointer;
use crate::mock::engine::call::{Call, Outcome};
use crate::mock::respond::{Failure, Reply};
use crate::mock::store::Tx;
use crate::scenario::template::{Scope, Template, With};
use crate::scenario::{Action, OperationBehaviour, Resource};

pub(crate) fn media_text(media: &MediaType) -> &str {
    // A wildcard range is not a content type; send JSON for it.
    if media.media.contains('*') { "application/json" } else { &media.media }
}

/// A record as clients see it: write-only fields removed (except those `reveal`ed), their
/// flags derived.
pub(crate) fn view(resource: &Resource, stored: &Value, reveal: &[String]) -> Value {
    view_owned(resource, stored.clone(), reveal)
}

/// The write-only fields a view removes: those not `reveal`ed.
fn hidden<'r>(
    resource: &'r Resource,
    reveal: &'r [String],
) -> impl Iterator<Item = &'r crate::scenario::WriteOnly> {
    resource.write_only.iter().filter(|w| !reveal.contains(&w.field))
}

/// [`view`] of a record lent by the store: itself when nothing is hidden, else a copy.
fn view_borrowed<'a>(resource: &Resource, stored: &'a Value, reveal: &[String]) -> Cow<'a, Value> {
    if hidden(resource, reveal).next().is_none() {
        Cow::Borrowed(stored)
    } else {
        Cow::Owned(view(resource, stored, reveal))
    }
}

/// [`view`] of a record the caller owns, changed in place.
fn view_owned(resource: &Resource, mut record: Value, reveal: &[String]) -> Value {
    let hidden: Vec<_> = hidden(resource, reveal).collect();
    if hidden.is_empty() {
        return record;
    }
    // Whether each field is set, read before any is removed.
    let present: Vec<bool> = hidden
        .iter()
        .map(|h| pointer::pointer(&record, &h.field).is_some_and(|v| !v.is_null()))
        .collect();
    for (hidden, present) in hidden.iter().zip(present) {
        if let Some((parent, last)) = hidden.field.rsplit_once('/') {
            let holder =
                if parent.is_empty() { Some(&mut record) } else { record.pointer_mut(parent) };
            if let Some(Value::Object(map)) = holder {
                map.shift_remove(pointer::unescape_token(last).as_ref());
            }
        }
        if let Some(flag) = &hidden.flag {
            pointer::set(&mut record, flag, Value::Bool(present));
        }
    }
    record
}

/// Puts `value` where it is needed: the default body (when `default`), the template context
/// under `name` (when a template may read it: no default body, or header templates), or both,
/// copied only then.
fn place(
    context: &mut Value,
    name: &str,
    value: Value,
    default: bool,
    headers: &[(http::HeaderName, Template)],
) -> Option<Value> {
    match (default, headers.is_empty()) {
        (true, true) => Some(value),
        (true, false) => {
            context[name] = value.clone();
            Some(value)
        }
        (false, _) => {
            context[name] = value;
            None
        }
    }
}

/// Renders an action's outcome. A record the action wrote is read from the store (`tx`, under
/// the session's lock) and lent to the templates rather than copied into their context.
pub(crate) fn render(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    resource: &Resource,
    outcome: Outcome,
    mut context: Value,
    tx: Option<&Tx<'_>>,
) -> Result<Reply, Failure> {
    let operation = call.operation;
    let mut status = behaviour.status.unwrap_or_else(|| operation.success_status());
    // The header templates and the body, rendered.
    let (headers, body) = match outcome {
        Outcome::Missing(missing) => {
            return Ok(Reply::empty(
                StatusCode::from_u16(missing).unwrap_or(StatusCode::NO_CONTENT),
            ));
        }
        Outcome::Stored { key, status: override_status } => {
            status = override_status.unwrap_or(status);
            let not_found =
                || Failure::NotFound { resource: resource.name.clone(), id: key.clone() };
            let stored = tx.and_then(|tx| tx.get(&resource.name, &key)).ok_or_else(not_found)?;
            let record = view_borrowed(resource, stored, &behaviour.reveal);
            let scope = With { name: "record", value: &record, rest: &context };
            let scope = With { name: "stored", value: stored, rest: &scope };
            let headers = header_values(behaviour, &scope);
            let body = match &behaviour.body {
                Some(template) => Some(template.render(&scope)),
                None if behaviour.action != Action::Delete => Some(record.into_owned()),
                None => None,
            };
            (headers, body)
        }
        Outcome::Record { stored, status: override_status } => {
            status = override_status.unwrap_or(status);
            // The stored record is copied only when a template reads it as well.
            let record = if behaviour.reads_stored {
                let record = view(resource, &stored, &behaviour.reveal);
                context["stored"] = stored;
                record
            } else {
                view_owned(resource, stored, &behaviour.reveal)
            };
            let default = behaviour.body.is_none() && behaviour.action != Action::Delete;
            let default_body = place(&mut context, "record", record, default, &behaviour.headers);
            templated(behaviour, context, default_body)
        }
        Outcome::Page(page) => {
            let items: Vec<Value> = page
                .records
                .into_iter()
                .map(|stored| match &behaviour.item {
                    Some(item) => {
                        let record = view(resource, &stored, &behaviour.reveal);
                        let mut context = Map::new();
                        context.insert("record".into(), record);
                        context.insert("stored".into(), stored);
                        item.render(&Value::Object(context))
                    }
                    None => view_owned(resource, stored, &behaviour.reveal),
                })
                .collect();
            if let Some(count) = page.count {
                context["count"] = json!(count);
            }
            if let Some(limit) = page.limit {
                context["limit"] = json!(limit);
            }
            if let Value::Object(map) = &mut context {
                map.extend(page.next);
            }
            let default = behaviour.body.is_none();
            let default_body =
                place(&mut context, "items", Value::Array(items), default, &behaviour.headers);
            templated(behaviour, context, default_body)
        }
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut body = body;
    let documented = operation.response(status).and_then(|spec| {
        spec.content.iter().find(|m| validate::is_json(&m.media)).or(spec.content.first())
    });
    if let (Some(body), Some(documented)) = (&mut body, documented)
        && call.version.scenario.fit_answers
    {
        fit(call, documented, body);
    }
    let media = documented.map_or("application/json", media_text);
    let mut reply = match body {
        Some(body) if !matches!(status, 204 | 205 | 304) => Reply::json(status_code, body, media),
        _ => Reply::empty(status_code),
    };
    for (name, value) in headers {
        reply.set_header(name, &value);
    }
    reply.delay = behaviour.delay.map(|d| d.draw());
    Ok(reply)
}

/// The operation's header templates, rendered.
fn header_values<'b, S: Scope + ?Sized>(
    behaviour: &'b OperationBehaviour,
    scope: &S,
) -> Vec<(&'b http::HeaderName, String)> {
    behaviour.headers.iter().map(|(name, template)| (name, template.render_text(scope))).collect()
}

/// The headers and the body of an answer whose values are in `context` (the body template
/// takes them out of it), or the default body.
fn templated(
    behaviour: &OperationBehaviour,
    context: Value,
    default_body: Option<Value>,
) -> (Vec<(&http::HeaderName, String)>, Option<Value>) {
    // Headers first: the body template may take values out of the context.
    let headers = header_values(behaviour, &context);
    let body = match &behaviour.body {
        Some(template) => Some(template.render_owned(context)),
        None => default_body,
    };
    (headers, body)
}

/// Fits an answer that breaks its schema to it (`fit-answers`): what the schema requires and
/// the records lack filled in, what it forbids left out (see `contract/shape.rs`). A valid
/// answer is sent as it is.
fn fit(call: &Call<'_>, documented: &MediaType, body: &mut Value) {
    let Some(schema) = &documented.schema else { return };
    if schema.is_valid(body) {
        return;
    }
    let document = call.version.contract.response_document.as_ref();
    let node = match &schema.bound {
        Some(bound) => Some(bound.as_ref()),
        None => pointer::pointer(document, &schema.pointer),
    };
    if let Some(node) = node {
        shape::fit(document, node, body);
    }
}
