//! Answers to reads, kept while the data they were made from is unchanged.
//!
//! A `GET` of a list or a record is a pure function of the request and of the session's data,
//! so its answer (rendered, checked against the contract, serialized) is kept under a key made
//! of everything it depends on, the data's generation among them (see [`Store::generation`]):
//! any write gives the session a new generation, so an answer made from older data is never
//! served again. Everything else about the request still happens for every request: rate
//! limits, routing, authentication, token rules, parameter validation, the journal and the log;
//! only the building and the checking of an answer identical to one already checked is saved.
//!
//! What may be kept: answers of operations whose scenario behaviour is a `list` or a `get`
//! without canned answers, to requests without `Prefer`. A delay is drawn again for every
//! request. A new catalog (scenario switch, reload) empties the cache.
//!
//! The cache is bounded in answers and in bytes, since its keys hold request data: past
//! [`CAPACITY`] answers or [`BYTES`] bytes it starts again empty, a key longer than
//! [`MAX_KEY`] (a huge credential or `Host`) is not kept, nor an answer longer than
//! [`MAX_ANSWER`].
//!
//! [`Store::generation`]: crate::mock::store::Store::generation

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, StatusCode};

use crate::catalog::Version;
use crate::contract::Operation;
use crate::mock::respond::{Body, Origin, Reply};
use crate::mock::store::Store;
use crate::request::Request;
use crate::scenario::{Action, OperationBehaviour};

/// How many answers are kept; past it the cache starts again empty.
const CAPACITY: usize = 512;

/// How many bytes of keys and answers are kept; past it the cache starts again empty.
const BYTES: usize = 16 << 20;

/// Requests whose key would be longer are answered afresh, not kept.
const MAX_KEY: usize = 8 << 10;

/// Answers longer than this are not kept.
const MAX_ANSWER: usize = 1 << 20;

/// Said when the byte bound bites.
static FULL: crate::mock::notice::Notice = crate::mock::notice::Notice::new();

/// The request headers an answer can depend on: the credential (the principal), the host and
/// scheme (links to the next page) and the session.
const KEY_HEADERS: [HeaderName; 5] = [
    http::header::AUTHORIZATION,
    http::header::HOST,
    HeaderName::from_static("x-forwarded-proto"),
    HeaderName::from_static("x-forwarded-host"),
    crate::request::SESSION,
];

/// A kept answer.
#[derive(Debug, Clone)]
struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The cache. Shared by all connections.
#[derive(Debug, Default)]
pub(crate) struct ResponseCache {
    /// The answers, and the bytes their keys and bodies hold. A `std::sync::Mutex`: nothing
    /// awaits while holding it.
    answers: Mutex<(HashMap<Vec<u8>, Kept>, usize)>,
}

impl ResponseCache {
    /// The key of a request whose answer may be kept, or `None`.
    pub(crate) fn key(
        version: &Version,
        operation: &Operation,
        behaviour: Option<&OperationBehaviour>,
        request: &Request,
        store: &Store,
    ) -> Option<Vec<u8>> {
        let behaviour = behaviour?;
        if !matches!(behaviour.action, Action::List | Action::Get)
            || !behaviour.respond.is_empty()
            || request.header("prefer").is_some()
        {
            return None;
        }
        // Before the session's first use its data does not exist yet: nothing to key on.
        let generation = store.generation(&version.key, request.session())?;
        let mut key = Vec::with_capacity(256);
        for part in [
            version.key.as_str(),
            version.scenario.name.as_str(),
            operation.id.as_str(),
            request.method.as_str(),
            request.path.as_str(),
            request.query.as_deref().unwrap_or(""),
        ] {
            key.extend_from_slice(part.as_bytes());
            key.push(0);
        }
        key.extend_from_slice(&generation.to_le_bytes());
        for name in &KEY_HEADERS {
            key.push(0);
            for value in request.headers.get_all(name) {
                key.extend_from_slice(value.as_bytes());
                key.push(b'\n');
            }
        }
        (key.len() <= MAX_KEY).then_some(key)
    }

    /// The answer kept under `key`, ready to send (its body already serialized and checked).
    pub(crate) fn get(&self, key: &[u8]) -> Option<Reply> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let kept = answers.0.get(key)?;
        Some(Reply {
            status: kept.status,
            headers: kept.headers.clone(),
            body: Body::Serialized(kept.body.clone()),
            delay: None,
            drop: false,
            origin: Origin::default(),
            checked: true,
        })
    }

    /// Keeps a checked answer under `key`.
    pub(crate) fn put(&self, key: Vec<u8>, reply: &mut Reply) {
        if reply.drop {
            return;
        }
        let body = reply.freeze();
        if body.len() > MAX_ANSWER {
            return;
        }
        let size = key.len() + body.len();
        let kept = Kept { status: reply.status, headers: reply.headers.clone(), body };
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let (map, bytes) = &mut *answers;
        let mut emptied = None;
        if map.len() >= CAPACITY || *bytes + size > BYTES {
            if *bytes + size > BYTES
                && let Some(n) = FULL.hit()
            {
                tracing::debug!(bytes = BYTES, occurrences = n, "response cache full: emptied");
            }
            emptied = Some(std::mem::take(map));
            *bytes = 0;
        }
        let key_len = key.len();
        if let Some(old) = map.insert(key, kept) {
            *bytes = bytes.saturating_sub(key_len + old.body.len());
        }
        *bytes += size;
        drop(answers);
        // What was emptied is freed with the lock released.
        drop(emptied);
    }

    /// Forgets every answer.
    pub(crate) fn clear(&self) {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let old = std::mem::take(&mut answers.0);
        answers.1 = 0;
        drop(answers);
        drop(old);
    }
}
