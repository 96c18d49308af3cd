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
//! Answers built from the contract (1 and 3) are generated afresh, with varied values, when
//! the call is dynamic (`Prefer: dynamic=true`, `serve --dynamic`); store answers never are.
//!
//! The rules vocabulary is implemented here once; scenario files only combine it. The engine
//! never builds error bodies: it returns a [`Failure`] and `respond.rs` renders it in the
//! API's envelope.
//!
//! # Rooms
//!
//! * `call`: the [`Call`] being answered, the scope of an action, what an action hands on.
//! * `documented`: answers from the contract (`Prefer`, operations without a behaviour).
//! * `canned`: a scenario's `respond:` answers for matching requests.
//! * `action`: the store actions (get, create, update, delete) and what they stamp and set.
//! * `list`: filters, order and the API's pagination style.
//! * `rules`: `require-any`, `immutable`, `precondition`, `unique`.
//! * `render`: records as clients see them, templates, status and content type.
//! * `merge`: combining a body with a stored value, by strategy.

mod action;
pub(crate) mod call;
mod canned;
pub(crate) mod documented;
mod list;
pub(crate) mod merge;
pub(crate) mod render;
mod rules;

pub(crate) use call::Call;
pub(crate) use render::view;

use std::sync::Arc;

use crate::contract::sample::Varied;
use crate::mock::prefer::Prefer;
use crate::mock::respond::{Failure, Reply};
use crate::mock::store::Store;

/// Decides the reply for a valid request.
pub(crate) fn decide(mut call: Call<'_>, prefer: &Prefer, store: &Store) -> Result<Reply, Failure> {
    // Drawn from the store's random source only when asked for: a static answer costs nothing.
    let varied = || {
        let document = call.version.contract.response_document.as_ref();
        call.dynamic.then(|| Varied::new(document, store.fork_rng()))
    };
    if prefer.is_set() {
        return documented::documented(call.operation, &other_dialects(&call), prefer, varied());
    }
    match call.version.scenario.operations.get(&call.operation.id) {
        Some(behaviour) => match behaviour.respond.iter().find(|c| canned::matches(&c.when, &call))
        {
            Some(canned) => Ok(canned::canned_reply(&call, canned)),
            None => action::act(&mut call, behaviour, store),
        },
        None => documented::documented(call.operation, &other_dialects(&call), prefer, varied()),
    }
}

/// The operation in the version's other dialects, whose samples complete a documented body.
fn other_dialects<'a>(call: &Call<'a>) -> Vec<&'a crate::contract::Operation> {
    let version = call.version;
    let others = version.contracts.iter().filter(|c| !Arc::ptr_eq(c, &version.contract));
    others.filter_map(|c| c.operation(&call.operation.id)).collect()
}
