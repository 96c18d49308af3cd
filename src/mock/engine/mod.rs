//! The engine: what an operation answers, once the request has passed routing, auth and
//! validation.
//!
//! Three sources, in order:
//!
//! 1. `Prefer: code=` / `example=` (see `prefer.rs`): the documented response asked for,
//!    built from the contract; the store is not touched.
//! 2. The scenario's behaviour for the operation: first its canned answers (`respond`) for a
//!    matching request, then its store action (list, get, create, update, delete) with its
//!    rules, run as one atomic step on the session's data and rendered with its templates.
//! 3. Otherwise the contract: the lowest documented 2xx with its first example, or a sample
//!    generated from its schema.
//!
//! The rules vocabulary is implemented here once; scenario files only combine it. The engine
//! never builds error bodies: it returns a [`Failure`] and `respond.rs` renders it in the
//! API's envelope.

pub mod merge;

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine as _;
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::catalog::Api;
use crate::contract::validate::{self, Location, Rejection, Validated, Violation};
use crate::contract::{MediaType, Operation, ResponseSpec, StatusKey};
use crate::json::text::as_text;
use crate::mock::auth::Principal;
use crate::mock::prefer::Prefer;
use crate::mock::respond::{Failure, Reply};
use crate::mock::store::{Store, Tx, key_text};
use crate::request::Request;
use crate::scenario::{
    Action, Canned, Fault, KeySource, Matching, OperationBehaviour, Order, PageStyle, Pagination,
    Resource, Rule, Scenario, SetValue, When,
};

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
    /// What validation extracted (its body moved to `body`).
    pub validated: &'a Validated,
    /// The parsed request body. The action that stores it takes it, rather than copying it,
    /// when no template reads it afterwards.
    pub body: std::cell::RefCell<Option<Value>>,
    /// Who is calling.
    pub principal: &'a Principal,
}

/// Decides the reply for a valid request.
pub fn decide(call: &Call<'_>, prefer: &Prefer, store: &Store) -> Result<Reply, Failure> {
    if prefer.is_set() {
        return documented(call.operation, prefer);
    }
    match call.api.scenario.operations.get(&call.operation.id) {
        Some(behaviour) => match behaviour.respond.iter().find(|c| matches(&c.when, call)) {
            Some(canned) => Ok(canned_reply(call, canned)),
            None => act(call, behaviour, store),
        },
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

// === Canned answers ===

fn matches(when: &When, call: &Call<'_>) -> bool {
    let param = |name: &str| call.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let query = call.request.query_pairs();
    when.params.iter().all(|(k, v)| param(k) == Some(v.as_str()))
        && when.query.iter().all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && qv == v))
        && when.headers.iter().all(|(k, v)| call.request.header(k) == Some(v.as_str()))
        && when.body.as_ref().is_none_or(|expected| {
            call.body.borrow().as_ref().is_some_and(|body| contains(body, expected))
        })
}

/// Whether `actual` holds everything `expected` does (objects by subset, the rest equal).
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(actual), Value::Object(expected)) => {
            expected.iter().all(|(k, v)| actual.get(k).is_some_and(|a| contains(a, v)))
        }
        (actual, expected) => actual == expected,
    }
}

fn canned_reply(call: &Call<'_>, canned: &Canned) -> Reply {
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::OK);
    let context = base_context(call);
    let mut reply = match &canned.body {
        Some(body) => {
            let media = call
                .operation
                .response(canned.status)
                .and_then(|s| s.content.iter().find(|m| validate::is_json(&m.media)))
                .map_or("application/json", media_text);
            Reply::json(status, body.render(&context), media)
        }
        None => Reply::empty(status),
    };
    for (name, template) in &canned.headers {
        reply.set_header(name, &as_text(&template.render(&context)));
    }
    if canned.delay_ms > 0 {
        reply.delay = Some(Duration::from_millis(canned.delay_ms));
    }
    reply.drop = canned.fault == Some(Fault::Drop);
    reply
}

// === Store actions ===

/// What an action found or changed, carried out of the store's lock for rendering: records as
/// stored (write-only fields included).
enum Outcome {
    Record { stored: Value, status: Option<u16> },
    Page(Page),
    Missing(u16),
}

/// One page of a list.
struct Page {
    records: Vec<Value>,
    /// The number of matching records, when the answer shows it.
    count: Option<usize>,
    limit: Option<usize>,
    next: Map<String, Value>,
}

fn act(call: &Call<'_>, behaviour: &OperationBehaviour, store: &Store) -> Result<Reply, Failure> {
    let api = call.api;
    let scenario = &api.scenario;
    let resource = scenario
        .resource(&behaviour.resource)
        .expect("scenario operations name defined resources (checked at load)");
    let context = base_context(call);
    let parent = match (&behaviour.parent, &resource.parent) {
        (Some(param_name), Some(parent)) => Some((parent, param(call, param_name))),
        _ => None,
    };
    let key = match &behaviour.key {
        Some(KeySource::Param(name)) => Some(param(call, name)),
        Some(KeySource::Template(template)) => Some(as_text(&template.render(&context))),
        None => None,
    };
    let body = request_body(call, behaviour);
    let session = call.request.session();

    let outcome = store.with(&api.name, session, scenario, |tx| {
        if let Some((parent, id)) = &parent {
            ensure(tx, scenario, &parent.resource, id)?;
        }
        for exists in &behaviour.exists {
            let id = as_text(&exists.key.render(&context));
            ensure(tx, scenario, &exists.resource, &id)?;
            let record = tx.get(&exists.resource, &id).cloned().unwrap_or_default();
            for (field, template) in &exists.fields {
                let wanted = as_text(&template.render(&context));
                if record.pointer(field).map(as_text).as_deref() != Some(wanted.as_str()) {
                    return Err(Failure::NotFound { resource: exists.resource.clone(), id });
                }
            }
        }
        let scope = Scope {
            resource,
            parent: parent.as_ref().map(|(p, id)| (p.field.as_str(), id.as_str())),
        };
        match behaviour.action {
            Action::List => list(call, behaviour, &scope, tx, &context).map(Outcome::Page),
            Action::Get => {
                let key = key.clone().unwrap_or_default();
                scope.find(tx, &key).map(|stored| Outcome::Record { stored, status: None })
            }
            Action::Create => create(call, behaviour, &scope, tx, body.clone()),
            Action::Update => {
                let key = key.clone().unwrap_or_default();
                let old = scope.find_ref(tx, &key)?;
                check_preconditions(behaviour, resource, old)?;
                check_require_any(behaviour, &body)?;
                check_immutable(behaviour, old, &body)?;
                // The record is taken out of the store and the body merged into it, both
                // moved rather than copied; a copy is kept only to put back should a unique
                // rule refuse the result.
                let old = tx.take(&resource.name, &key).unwrap_or_default();
                let backup = (!behaviour.unique.is_empty()).then(|| old.clone());
                let record = merged(
                    call,
                    behaviour,
                    &scope,
                    tx,
                    old,
                    body,
                    behaviour.merge,
                    &behaviour.paths,
                );
                if let Err(failure) = check_unique(behaviour, &scope, tx, &record, Some(&key)) {
                    if let Some(old) = backup {
                        tx.restore(&resource.name, &key, old);
                    }
                    return Err(failure);
                }
                tx.put(&resource.name, key, record.clone());
                Ok(Outcome::Record { stored: record, status: None })
            }
            Action::Delete => {
                let key = key.clone().unwrap_or_default();
                match scope.find(tx, &key) {
                    Ok(record) => {
                        check_preconditions(behaviour, resource, &record)?;
                        tx.remove(&resource.name, &key);
                        Ok(Outcome::Record { stored: record, status: None })
                    }
                    Err(failure) => match behaviour.missing {
                        Some(status) => Ok(Outcome::Missing(status)),
                        None => Err(failure),
                    },
                }
            }
        }
    })?;

    render(call, behaviour, resource, outcome, context)
}

/// The resource an action works on, and the parent its records must belong to.
struct Scope<'a> {
    resource: &'a Resource,
    parent: Option<(&'a str, &'a str)>,
}

impl Scope<'_> {
    fn belongs(&self, record: &Value) -> bool {
        match self.parent {
            Some((field, id)) => key_text(record.get(field)) == id,
            None => true,
        }
    }

    fn find(&self, tx: &Tx<'_>, key: &str) -> Result<Value, Failure> {
        self.find_ref(tx, key).cloned()
    }

    fn find_ref<'t>(&self, tx: &'t Tx<'_>, key: &str) -> Result<&'t Value, Failure> {
        tx.get(&self.resource.name, key).filter(|r| self.belongs(r)).ok_or_else(|| {
            Failure::NotFound { resource: self.resource.name.clone(), id: key.to_owned() }
        })
    }
}

fn param(call: &Call<'_>, name: &str) -> String {
    call.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
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
            let record = with_key(tx, child, record);
            tx.put(&child.name, child.key_of(&record), record);
        }
    }
}

// --- list ---

fn list(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &Tx<'_>,
    context: &Value,
) -> Result<Page, Failure> {
    // The records are visited as references, in order, and only a page of them is copied, so
    // that a list costs the same with ten records as with a hundred thousand whenever the
    // order is the store's own and nothing asks for the total.
    let via: Option<HashSet<String>> = behaviour.via.as_ref().map(|via| {
        let wanted: Vec<(String, String)> =
            via.filter.iter().map(|(f, t)| (f.clone(), as_text(&t.render(context)))).collect();
        tx.records(&via.resource)
            .filter(|r| wanted.iter().all(|(f, v)| key_text(r.get(f)) == *v))
            .map(|r| key_text(r.get(&via.field)))
            .collect()
    });
    let query = call.request.query_pairs();
    let filters: Vec<(&crate::scenario::Filter, Option<String>)> = behaviour
        .filters
        .iter()
        .filter_map(|filter| match &filter.query {
            Some(name) => {
                let (_, value) = query.iter().find(|(k, _)| k == name)?;
                let needle = match filter.matching {
                    Matching::ContainsCi => value.to_lowercase(),
                    _ => value.clone(),
                };
                Some((filter, Some(needle)))
            }
            None => Some((filter, None)),
        })
        .collect();
    let keep = |record: &Value| {
        scope.belongs(record)
            && via.as_ref().is_none_or(|keys| keys.contains(&scope.resource.key_of(record)))
            && filters.iter().all(|(filter, needle)| passes(record, filter, needle.as_deref()))
    };
    let records = tx.records(&scope.resource.name);
    let ordered: Box<dyn Iterator<Item = &Value> + '_> = match &behaviour.order {
        Order::OldestFirst => Box::new(records.filter(move |r| keep(r))),
        Order::NewestFirst => Box::new(records.rev().filter(move |r| keep(r))),
        Order::Field { field, descending } => {
            let mut sorted: Vec<&Value> = records.filter(|r| keep(r)).collect();
            sorted.sort_by(|a, b| compare(a.pointer(field), b.pointer(field)));
            if *descending {
                sorted.reverse();
            }
            Box::new(sorted.into_iter())
        }
    };
    let Some(pagination) = &behaviour.pagination else {
        let records: Vec<Value> = ordered.cloned().collect();
        let count = records.len();
        return Ok(Page { records, count: Some(count), limit: None, next: Map::new() });
    };
    paginate(call, scope.resource, pagination, ordered, &query, behaviour.reads_count)
}

/// Whether a record passes a list filter (`needle`: the query value, lower-cased for
/// `contains-ci`; `None` for filters that take no query parameter).
fn passes(record: &Value, filter: &crate::scenario::Filter, needle: Option<&str>) -> bool {
    filter.fields.iter().any(|field| {
        values_at(record, field).into_iter().any(|value| match (&filter.matching, needle) {
            (Matching::Present, _) => !is_empty(value),
            (Matching::Equals, Some(n)) => as_text(value) == n,
            (Matching::Contains, Some(n)) => as_text(value).contains(n),
            (Matching::ContainsCi, Some(n)) => as_text(value).to_lowercase().contains(n),
            (_, None) => true,
        })
    })
}

/// Every value at a pointer, where a `*` token matches each item of an array.
fn values_at<'a>(value: &'a Value, pointer: &str) -> Vec<&'a Value> {
    let mut current = vec![value];
    for token in pointer.split('/').skip(1) {
        let token = crate::json::pointer::unescape_token(token);
        current = current
            .into_iter()
            .flat_map(|v| match (v, token.as_ref()) {
                (Value::Array(items), "*") => items.iter().collect::<Vec<_>>(),
                (Value::Array(items), index) => {
                    index.parse::<usize>().ok().and_then(|i| items.get(i)).into_iter().collect()
                }
                (Value::Object(map), key) => map.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    current
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            a.as_f64().partial_cmp(&b.as_f64()).unwrap_or(std::cmp::Ordering::Equal)
        }
        (Some(a), Some(b)) => as_text(a).cmp(&as_text(b)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

fn bad_query(name: &str, message: &str) -> Failure {
    Failure::Rejected(Rejection::Invalid(vec![Violation {
        location: Location::Query,
        parameter: Some(name.to_owned()),
        pointer: String::new(),
        message: message.to_owned(),
    }]))
}

fn paginate<'a>(
    call: &Call<'_>,
    resource: &Resource,
    pagination: &Pagination,
    mut records: Box<dyn Iterator<Item = &'a Value> + 'a>,
    query: &[(String, String)],
    counted: bool,
) -> Result<Page, Failure> {
    let raw = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let limit = match raw(&pagination.limit_query) {
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(pagination.max_limit),
            _ => return Err(bad_query(&pagination.limit_query, "must be a positive integer")),
        },
        None => pagination.default_limit,
    };
    let position = raw(&pagination.position_query);
    let invalid_cursor = || {
        bad_query(
            &pagination.position_query,
            "is not a cursor this list issued (or was issued for another query)",
        )
    };
    // Skip to the page: by number, by offset (opaque cursor), or to the record named.
    let mut passed = 0usize;
    let mut first = None;
    match (pagination.style, position) {
        (_, None) => {}
        (PageStyle::Page, Some(page)) => match page.parse::<usize>() {
            Ok(page) if page >= 1 => {
                let start = (page - 1).saturating_mul(limit);
                passed = records.by_ref().take(start).count();
            }
            _ => return Err(bad_query(&pagination.position_query, "must be a page number from 1")),
        },
        (PageStyle::Cursor, Some(cursor)) => {
            let start = decode_cursor(cursor, &fingerprint(query, pagination))
                .ok_or_else(invalid_cursor)?;
            passed = records.by_ref().take(start).count();
        }
        (PageStyle::IdCursor, Some(cursor)) => {
            for record in records.by_ref() {
                if resource.key_of(record) == cursor {
                    first = Some(record);
                    break;
                }
                passed += 1;
            }
            if first.is_none() {
                return Err(invalid_cursor());
            }
        }
    }
    let page: Vec<Value> = first.into_iter().chain(records.by_ref()).take(limit).cloned().collect();
    let following = records.next();
    let end = passed + page.len();
    // The total only when the answer shows it: it takes a pass over every other record.
    let count = counted.then(|| end + following.map_or(0, |_| 1 + records.count()));
    let mut next = Map::new();
    next.insert("has_more".into(), Value::Bool(following.is_some()));
    if let Some(following) = following {
        match pagination.style {
            PageStyle::Page => {
                let page = end / limit + 1;
                next.insert("next".into(), json!({"page": page.to_string()}));
                next.insert("next_position".into(), Value::String(page.to_string()));
            }
            PageStyle::Cursor => {
                let cursor = encode_cursor(end, &fingerprint(query, pagination));
                next.insert("next_cursor".into(), Value::String(cursor.clone()));
                next.insert("next_position".into(), Value::String(cursor));
            }
            PageStyle::IdCursor => {
                let id = resource.key_of(following);
                next.insert("next_cursor".into(), Value::String(id.clone()));
                next.insert("next_position".into(), Value::String(id));
            }
        }
        if let Some(position) = next.get("next_position").map(as_text) {
            next.insert(
                "next_url".into(),
                Value::String(next_url(call.request, pagination, &position, limit)),
            );
        }
    }
    Ok(Page { records: page, count, limit: Some(limit), next })
}

/// The query a cursor belongs to: every parameter but the cursor and the page size.
fn fingerprint(query: &[(String, String)], pagination: &Pagination) -> u64 {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| *k != pagination.position_query && *k != pagination.limit_query)
        .collect();
    pairs.sort();
    // FNV-1a: stable across runs and versions, which a cursor handed to a client must be.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in pairs {
        for byte in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn encode_cursor(offset: usize, fingerprint: &u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("v1:{offset}:{fingerprint:016x}"))
}

fn decode_cursor(cursor: &str, fingerprint: &u64) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    let (Some("v1"), Some(offset), Some(hash), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    (hash == format!("{fingerprint:016x}")).then(|| offset.parse().ok()).flatten()
}

/// The request's own URL with the page position and size of the next page.
fn next_url(request: &Request, pagination: &Pagination, position: &str, limit: usize) -> String {
    let host = request.header("host").unwrap_or("localhost");
    let scheme = request.header("x-forwarded-proto").unwrap_or("http");
    let mut query: Vec<(String, String)> = request
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| *k != pagination.position_query && *k != pagination.limit_query)
        .collect();
    query.push((pagination.position_query.clone(), position.to_owned()));
    query.push((pagination.limit_query.clone(), limit.to_string()));
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
    format!("{scheme}://{host}{}?{encoded}", request.path)
}

// --- create, update ---

fn create(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &mut Tx<'_>,
    body: Value,
) -> Result<Outcome, Failure> {
    let resource = scope.resource;
    check_require_any(behaviour, &body)?;
    // The record as it would be created (without its key yet): body, parent link, set values.
    let mut candidate = Map::new();
    if let Value::Object(body) = &body {
        let key_field = resource.key_field();
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
        let existing = tx
            .records(&resource.name)
            .filter(|r| scope.belongs(r))
            .find(|r| {
                upsert
                    .fields
                    .iter()
                    .all(|f| r.pointer(f).is_some() && r.pointer(f) == candidate.pointer(f))
            })
            .cloned();
        if let Some(old) = existing {
            let key = resource.key_of(&old);
            let record = merged(call, behaviour, scope, tx, old, body, upsert.merge, &upsert.paths);
            check_unique(behaviour, scope, tx, &record, Some(&key))?;
            tx.put(&resource.name, key, record.clone());
            return Ok(Outcome::Record { stored: record, status: upsert.status });
        }
    }
    let Value::Object(mut record) = candidate else { unreachable!("apply_set keeps an object") };
    stamp(tx, resource, &mut record, true);
    let record = with_key(tx, resource, record);
    let key = resource.key_of(&record);
    check_unique(behaviour, scope, tx, &record, None)?;
    if tx.get(&resource.name, &key).is_some() {
        let message = format!(
            "{} `{key}` already exists",
            resource.name.trim_end_matches('s').replace('_', " ")
        );
        return Err(rule_failure(409, message));
    }
    tx.put(&resource.name, key.clone(), record.clone());
    create_children(tx, &call.api.scenario, resource, &key);
    Ok(Outcome::Record { stored: record, status: None })
}

/// A new record with its generated key field first, as vendors print it (composite keys are
/// computed from the fields and stored nowhere).
fn with_key(tx: &mut Tx<'_>, resource: &Resource, fields: Map<String, Value>) -> Value {
    let Some(field) = resource.key_field() else { return Value::Object(fields) };
    let key = tx.new_key(resource, &Value::Object(fields.clone()));
    let mut record = Map::new();
    record.insert(field.to_owned(), Value::String(key));
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
    old: Value,
    body: Value,
    merge: crate::scenario::Merge,
    paths: &std::collections::BTreeMap<String, crate::scenario::Merge>,
) -> Value {
    let resource = scope.resource;
    // The key, the parent link and the creation time are not the client's to change.
    let keep = [resource.key_field(), scope.parent.map(|(field, _)| field)];
    let created = resource.timestamps.as_ref().and_then(|t| t.created.as_deref());
    let kept: Vec<(&str, Option<Value>)> =
        keep.into_iter().flatten().chain(created).map(|f| (f, old.get(f).cloned())).collect();
    let mut record = match (old, body.is_object()) {
        (old, true) => match crate::mock::engine::merge::apply(Some(old), body, "", merge, paths) {
            Some(Value::Object(record)) => record,
            _ => Map::new(),
        },
        (Value::Object(old), false) => old,
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

fn rule_message(rule: &Rule, field: &str, values: &[String], default: String) -> String {
    match &rule.message {
        Some(template) => {
            let context = json!({"field": field, "value": values.join(", "), "values": values});
            as_text(&template.render(&context))
        }
        None => default,
    }
}

fn rule_failure(status: u16, message: String) -> Failure {
    Failure::Rule {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        message: Some(message),
    }
}

/// Field name for messages: `/config/provider` → `config.provider`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn check_require_any(behaviour: &OperationBehaviour, body: &Value) -> Result<(), Failure> {
    let Some(rule) = &behaviour.require_any else { return Ok(()) };
    if rule.fields.iter().any(|f| body.pointer(f).is_some()) {
        return Ok(());
    }
    let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
    let default = format!("At least one of {} must be provided", names.join(", "));
    Err(rule_failure(rule.status, rule_message(rule, &names.join(", "), &[], default)))
}

fn check_immutable(
    behaviour: &OperationBehaviour,
    old: &Value,
    body: &Value,
) -> Result<(), Failure> {
    for rule in &behaviour.immutable {
        for field in &rule.fields {
            if let Some(sent) = body.pointer(field)
                && old.pointer(field) != Some(sent)
            {
                let name = field_name(field);
                let stored = old.pointer(field).map(as_text).unwrap_or_default();
                let default = format!(
                    "`{name}` is immutable: it is `{stored}` and cannot be changed to `{}`",
                    as_text(sent)
                );
                return Err(rule_failure(
                    rule.status,
                    rule_message(rule, &name, &[as_text(sent)], default),
                ));
            }
        }
    }
    Ok(())
}

fn check_preconditions(
    behaviour: &OperationBehaviour,
    resource: &Resource,
    record: &Value,
) -> Result<(), Failure> {
    for condition in &behaviour.precondition {
        let actual = record.pointer(&condition.field);
        if actual != Some(&condition.equals) {
            let name = field_name(&condition.field);
            let actual = actual.map(as_text).unwrap_or_default();
            let message = match &condition.message {
                Some(template) => {
                    as_text(&template.render(&json!({"field": name, "value": actual})))
                }
                None => format!(
                    "Only a {} whose {name} is `{}` may be changed; this one is `{actual}`",
                    resource.name.trim_end_matches('s').replace('_', " "),
                    as_text(&condition.equals)
                ),
            };
            return Err(rule_failure(condition.status, message));
        }
    }
    Ok(())
}

fn check_unique(
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &Tx<'_>,
    record: &Value,
    own_key: Option<&str>,
) -> Result<(), Failure> {
    for rule in &behaviour.unique {
        let values: Vec<Option<&Value>> = rule.fields.iter().map(|f| record.pointer(f)).collect();
        if values.iter().any(Option::is_none) {
            continue;
        }
        let clash = tx.records(&scope.resource.name).filter(|r| scope.belongs(r)).any(|other| {
            own_key != Some(scope.resource.key_of(other).as_str())
                && rule.fields.iter().zip(&values).all(|(f, v)| other.pointer(f) == *v)
        });
        if clash {
            let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
            let shown: Vec<String> = values.iter().flatten().map(|v| as_text(v)).collect();
            let default = format!(
                "A record with {} `{}` already exists",
                names.join(" and "),
                shown.join("` and `")
            );
            return Err(rule_failure(
                rule.status,
                rule_message(rule, &names.join(", "), &shown, default),
            ));
        }
    }
    Ok(())
}

/// The request body as the action stores it: with the schema's defaults filled in when the
/// operation asks for them.
fn request_body(call: &Call<'_>, behaviour: &OperationBehaviour) -> Value {
    // Taken when nothing reads `request` later (its context is built from this same field).
    let sent = match behaviour.reads_request {
        true => call.body.borrow().clone(),
        false => call.body.borrow_mut().take(),
    };
    let mut body = sent.unwrap_or_else(|| Value::Object(Map::new()));
    if behaviour.schema_defaults {
        let media = call.request.media_type().unwrap_or_default();
        let schema = call
            .operation
            .body
            .as_ref()
            .and_then(|b| validate::find_media(&b.content, &media))
            .and_then(|m| m.schema.as_ref());
        let document = &call.api.contract.document;
        if let Some(raw) = schema.and_then(|s| crate::json::pointer::pointer(document, &s.pointer))
        {
            call.api.contract.defaults.apply(document, raw, &mut body);
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
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| crate::json::pointer::unescape_token(t).into_owned())
        .collect();
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
    view_owned(resource, stored.clone(), reveal)
}

/// [`view`] of a record the caller owns, changed in place.
fn view_owned(resource: &Resource, mut record: Value, reveal: &[String]) -> Value {
    let hidden: Vec<_> =
        resource.write_only.iter().filter(|w| !reveal.contains(&w.field)).collect();
    if hidden.is_empty() {
        return record;
    }
    // Whether each field is set, read before any is removed.
    let present: Vec<bool> = hidden
        .iter()
        .map(|h| crate::json::pointer::pointer(&record, &h.field).is_some_and(|v| !v.is_null()))
        .collect();
    for (hidden, present) in hidden.iter().zip(present) {
        if let Some((parent, last)) = hidden.field.rsplit_once('/') {
            let holder =
                if parent.is_empty() { Some(&mut record) } else { record.pointer_mut(parent) };
            if let Some(Value::Object(map)) = holder {
                map.shift_remove(crate::json::pointer::unescape_token(last).as_ref());
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
    // Built by hand: `json!` would serialize the borrowed values into new ones, which costs
    // several times a clone.
    let params: Map<String, Value> =
        call.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let mut context = Map::new();
    context.insert("params".into(), Value::Object(params));
    context.insert("query".into(), Value::Object(call.validated.query.clone()));
    // The body as sent, only for operations whose templates read it (a copy of a large
    // body is most of what building the context costs).
    let reads_request = call
        .api
        .scenario
        .operations
        .get(&call.operation.id)
        .is_none_or(|behaviour| behaviour.reads_request);
    if reads_request {
        context.insert("request".into(), call.body.borrow().clone().unwrap_or(Value::Null));
    }
    context.insert("principal".into(), call.principal.to_value());
    Value::Object(context)
}

/// Puts `value` where it is needed: the default body (when `default`), the template context
/// under `name` (when a template may read it: no default body, or header templates), or both,
/// copied only then.
fn place(
    context: &mut Value,
    name: &str,
    value: Value,
    default: bool,
    headers: &[(http::HeaderName, crate::scenario::template::Template)],
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

fn render(
    call: &Call<'_>,
    behaviour: &OperationBehaviour,
    resource: &Resource,
    outcome: Outcome,
    mut context: Value,
) -> Result<Reply, Failure> {
    let operation = call.operation;
    let mut status = behaviour.status.unwrap_or_else(|| operation.success_status());
    let default_body = match outcome {
        Outcome::Missing(missing) => {
            return Ok(Reply::empty(
                StatusCode::from_u16(missing).unwrap_or(StatusCode::NO_CONTENT),
            ));
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
            place(&mut context, "record", record, default, &behaviour.headers)
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
            place(&mut context, "items", Value::Array(items), default, &behaviour.headers)
        }
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    // Headers first: the body template may take values out of the context.
    let headers: Vec<(&http::HeaderName, String)> = behaviour
        .headers
        .iter()
        .map(|(name, template)| (name, as_text(&template.render(&context))))
        .collect();
    let body = match &behaviour.body {
        Some(template) => Some(template.render_owned(context)),
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
    for (name, value) in headers {
        reply.set_header(name, &value);
    }
    reply.delay = behaviour.delay.map(|d| d.draw());
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_at_follows_wildcards() {
        let record =
            json!({"scopings": [{"space_id": "a"}, {"space_id": null}, {"space_id": "b"}]});
        let found: Vec<&Value> = values_at(&record, "/scopings/*/space_id");
        assert_eq!(found, [&json!("a"), &Value::Null, &json!("b")]);
        assert!(values_at(&record, "/nope/*").is_empty());
    }

    #[test]
    fn cursors_round_trip_only_for_their_query() {
        let pagination = Pagination {
            style: PageStyle::Cursor,
            limit_query: "limit".into(),
            default_limit: 2,
            max_limit: 10,
            position_query: "cursor".into(),
        };
        let query =
            vec![("type".to_owned(), "llm".to_owned()), ("limit".to_owned(), "2".to_owned())];
        let print = fingerprint(&query, &pagination);
        let cursor = encode_cursor(4, &print);
        assert_eq!(decode_cursor(&cursor, &print), Some(4));
        let other = fingerprint(&[("type".to_owned(), "agent".to_owned())], &pagination);
        assert_eq!(decode_cursor(&cursor, &other), None);
        assert_eq!(decode_cursor("not-a-cursor", &print), None);
        // The page size is not part of the query a cursor belongs to.
        assert_eq!(print, fingerprint(&[("type".to_owned(), "llm".to_owned())], &pagination));
    }

    #[test]
    fn set_pointer_creates_the_path() {
        let mut value = json!({"a": 1});
        set_pointer(&mut value, "/config/has_key", json!(true));
        assert_eq!(value, json!({"a": 1, "config": {"has_key": true}}));
    }
}
