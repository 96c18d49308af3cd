//! What the engine's steps share: the call being answered, the scope an action works in, and
//! what an action hands to rendering.
//!
//! A [`Call`] is built once by the service after validation; it owns the parsed request body,
//! so that the action storing it can take it rather than copy it. An [`Outcome`] carries the
//! records an action found or changed out of the store's lock, as stored (write-only fields
//! included): what clients see of them is `render.rs`'s business.

use serde_json::{Map, Value};

use crate::catalog::Version;
use crate::contract::Operation;
use crate::contract::validate::Validated;
use crate::json::text::key_text;
use crate::mock::auth::Principal;
use crate::mock::index::Lookup;
use crate::mock::respond::Failure;
use crate::mock::store::Tx;
use crate::request::Request;
use crate::scenario::Resource;

/// Everything the engine knows about one call.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The version of the API answering.
    pub version: &'a Version,
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
    pub body: Option<Value>,
    /// Who is calling.
    pub principal: &'a Principal,
    /// Whether an answer built from the contract is generated afresh, with varied values
    /// (`Prefer: dynamic=`, else `serve --dynamic`).
    pub dynamic: bool,
    /// Whether an answer that breaks the contract is replaced by a 500 (and a write that
    /// produced it rolled back).
    pub strict: bool,
}

impl Call<'_> {
    /// A path parameter's value (empty when the operation has no such parameter).
    pub(crate) fn param(&self, name: &str) -> String {
        self.params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// What every template of the call sees: `params`, `query`, `request` (when the
    /// operation's templates read it) and `principal`.
    pub(crate) fn context(&self) -> Value {
        // Built by hand: `json!` would serialize the borrowed values into new ones, which costs
        // several times a clone.
        let params: Map<String, Value> =
            self.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut context = Map::new();
        context.insert("params".into(), Value::Object(params));
        context.insert("query".into(), Value::Object(self.validated.query.clone()));
        // The body as sent, only for operations whose templates read it (a copy of a large
        // body is most of what building the context costs).
        let reads_request = self
            .version
            .scenario
            .operations
            .get(&self.operation.id)
            .is_none_or(|behaviour| behaviour.reads_request);
        if reads_request {
            context.insert("request".into(), self.body.clone().unwrap_or(Value::Null));
        }
        context.insert("principal".into(), self.principal.to_value());
        Value::Object(context)
    }
}

/// What an action found or changed, carried out of the store's lock for rendering: records as
/// stored (write-only fields included).
#[derive(Debug)]
pub(crate) enum Outcome {
    /// One record (`status` overrides the operation's, for an upsert).
    Record { stored: Value, status: Option<u16> },
    /// The record now stored under `key`, written by the action: a write's answer is rendered
    /// under the session's lock, from the store, so the record is not copied for it.
    Stored { key: String, status: Option<u16> },
    /// A page of a list.
    Page(Page),
    /// Nothing was there, and the operation says what to answer (`missing:`).
    Missing(u16),
}

/// One page of a list.
#[derive(Debug)]
pub(crate) struct Page {
    /// The records of the page.
    pub(crate) records: Vec<Value>,
    /// The number of matching records, when the answer shows it.
    pub(crate) count: Option<usize>,
    /// The page size used.
    pub(crate) limit: Option<usize>,
    /// The next page's position, in every form templates may ask for.
    pub(crate) next: Map<String, Value>,
}

/// The resource an action works on, and the parent its records must belong to.
pub(crate) struct Scope<'a> {
    pub(crate) resource: &'a Resource,
    pub(crate) parent: Option<(&'a str, &'a str)>,
}

impl Scope<'_> {
    pub(crate) fn belongs(&self, record: &Value) -> bool {
        match self.parent {
            Some((field, id)) => key_text(record.get(field)) == id,
            None => true,
        }
    }

    /// An index lookup of `fields` among the records of this scope.
    pub(crate) fn lookup<'f>(&'f self, fields: &'f [String]) -> Lookup<'f> {
        Lookup { resource: &self.resource.name, fields, scope: self.parent }
    }

    pub(crate) fn find(&self, tx: &Tx<'_>, key: &str) -> Result<Value, Failure> {
        self.find_ref(tx, key).cloned()
    }

    pub(crate) fn find_ref<'t>(&self, tx: &'t Tx<'_>, key: &str) -> Result<&'t Value, Failure> {
        tx.get(&self.resource.name, key).filter(|r| self.belongs(r)).ok_or_else(|| {
            Failure::NotFound { resource: self.resource.name.clone(), id: key.to_owned() }
        })
    }
}
