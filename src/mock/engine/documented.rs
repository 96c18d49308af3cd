//! Answers built from the contract: what `Prefer: code=` / `example=` asks for, and what an
//! operation without a behaviour answers (its lowest documented 2xx with its first example, or
//! a sample generated from its schema). An example that breaks its own schema is never sent:
//! the sample is. Documented headers go out with their example or sample values, but never
//! those that describe the body (`Content-Length`...: the contract leaves them out of
//! [`HeaderSpec::sample`](crate::contract::HeaderSpec)). The store is not touched.
//!
//! A version described by several dialects (GitBook's 3.1, 3.0 and client documents) answers
//! what all of them accept: the body built from the main one is completed with what the
//! others' samples hold and it lacks (a property only one dialect requires).

use http::StatusCode;

use crate::contract::sample::Varied;
use crate::contract::validate;
use crate::contract::{MediaType, Operation, ResponseSpec, StatusKey};
use crate::mock::engine::render::media_text;
use crate::mock::prefer::Prefer;
use crate::mock::respond::{Failure, Reply};

/// A reply built from the contract: the status and example `prefer` asks for, or the lowest
/// documented 2xx with its first example; with `varied`, a body and headers generated afresh
/// from their schemas instead (a named example is still that example).
pub(crate) fn documented(
    operation: &Operation,
    others: &[&Operation],
    prefer: &Prefer,
    mut varied: Option<Varied<'_>>,
) -> Result<Reply, Failure> {
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
                let status = operation.documented_status();
                (status, operation.response(status))
            }
        },
    };
    let status_code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let Some(spec) = spec else { return Ok(Reply::empty(status_code)) };
    let media = spec.content.iter().find(|m| validate::is_json(&m.media)).or(spec.content.first());
    let body = match (media, &prefer.example) {
        (Some(media), Some(name)) => match media.examples.iter().find(|e| &e.name == name) {
            Some(example) => Some(served(operation, status, media, example)),
            None => return Err(unknown_example(operation, name, Some(status))),
        },
        (Some(media), None) => varied
            .as_mut()
            .and_then(|v| v.body(media))
            .or_else(|| media.examples.first().map(|e| served(operation, status, media, e)))
            .or_else(|| media.sample.clone()),
        (None, Some(name)) => return Err(unknown_example(operation, name, Some(status))),
        (None, None) => None,
    };
    let body = body.map(|mut body| {
        if let Some(media) = media {
            for other in others {
                if let Some(sample) = other
                    .response(status)
                    .and_then(|spec| spec.content.iter().find(|m| m.media == media.media))
                    .and_then(|m| m.sample.as_ref())
                {
                    complete(&mut body, sample);
                }
            }
        }
        body
    });
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
        let value =
            varied.as_mut().filter(|_| header.sample.is_some()).and_then(|v| v.header(header));
        if let Some(sample) = value.as_ref().or(header.sample.as_ref()) {
            reply.insert_header(&header.name, sample);
        }
    }
    Ok(reply)
}

/// The documented answer to a failure with `status`, when the operation documents that status
/// with a body (its example, or a sample of its schema): what a scenario with
/// `documented-errors` sends instead of its envelope.
pub(crate) fn error_answer(operation: &Operation, status: StatusCode) -> Option<Reply> {
    let spec = operation.response(status.as_u16())?;
    let media =
        spec.content.iter().find(|m| validate::is_json(&m.media)).or(spec.content.first())?;
    let body = match media.examples.first() {
        Some(example) => served(operation, status.as_u16(), media, example),
        None => media.sample.clone()?,
    };
    Some(Reply::json(status, body, media_text(media)))
}

/// The body for `example`: the example itself, unless it breaks its own schema (the
/// self-check would refuse it), then the sample generated from the schema.
fn served(
    operation: &Operation,
    status: u16,
    media: &MediaType,
    example: &crate::contract::Example,
) -> serde_json::Value {
    if example.valid {
        return example.value.clone();
    }
    tracing::debug!(
        operation = %operation.id,
        status,
        example = %example.name,
        "the documented example breaks its own schema; answering the generated sample"
    );
    media.sample.clone().unwrap_or_else(|| example.value.clone())
}

/// Adds to `body`, at every depth, the members `other` has and it lacks (each array item is
/// completed from `other`'s first item): a body built from one dialect then holds what
/// another one requires.
fn complete(body: &mut serde_json::Value, other: &serde_json::Value) {
    use serde_json::Value;
    match (body, other) {
        (Value::Object(body), Value::Object(other)) => {
            for (key, value) in other {
                match body.get_mut(key) {
                    Some(mine) => complete(mine, value),
                    None => {
                        body.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), Value::Array(other)) => {
            if let Some(first) = other.first() {
                items.iter_mut().for_each(|item| complete(item, first));
            }
        }
        _ => {}
    }
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
