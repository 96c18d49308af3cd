//! Canned answers (`respond:` in a scenario): a fixed status, headers and body for requests
//! that match, tried before the operation's store action. They replay documented examples and
//! make faults (a 500, a delay, a dropped connection).

use std::time::Duration;

use http::StatusCode;
use serde_json::Value;

use crate::contract::validate;
use crate::mock::engine::call::Call;
use crate::mock::engine::render::media_text;
use crate::mock::respond::Reply;
use crate::scenario::{Canned, Fault, When};

pub(crate) fn matches(when: &When, call: &Call<'_>) -> bool {
    let param = |name: &str| call.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let query = call.request.query_pairs();
    when.params.iter().all(|(k, v)| param(k) == Some(v.as_str()))
        && when.query.iter().all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && qv == v))
        && when.headers.iter().all(|(k, v)| call.request.header(k) == Some(v.as_str()))
        && when
            .body
            .as_ref()
            .is_none_or(|expected| call.body.as_ref().is_some_and(|body| contains(body, expected)))
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

pub(crate) fn canned_reply(call: &Call<'_>, canned: &Canned) -> Reply {
    let status = StatusCode::from_u16(canned.status).unwrap_or(StatusCode::OK);
    let context = call.context();
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
        reply.set_header(name, &template.render_text(&context));
    }
    if canned.delay_ms > 0 {
        reply.delay = Some(Duration::from_millis(canned.delay_ms));
    }
    reply.drop = canned.fault == Some(Fault::Drop);
    reply
}
