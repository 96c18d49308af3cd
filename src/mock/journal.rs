//! The journal: the most recent requests and responses, for `/__understudy/journal`.
//!
//! A bounded ring: the oldest entry goes when a new one arrives past the capacity, so a
//! long-running sidecar keeps a fixed amount of memory. What it shows hides secrets:
//! credential headers (`Authorization`, `X-Api-Key`, cookies) are masked, secret-looking body
//! fields (`api_key`, `client_secret`, `password`...) and query parameters redacted.
//!
//! Each entry also says which step of the pipeline answered (`step`) and, for a refusal, why
//! (`why`: the message, the scenario rule, every violation with its pointer and contract
//! location), for the dashboard. Watchers (the dashboard's live stream) learn the newest
//! sequence number through a `watch` channel and read the entries from the ring: nothing is
//! queued per watcher, so a slow one costs no memory (it may miss entries that fell off).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;

/// How many exchanges the journal keeps by default.
pub const DEFAULT_CAPACITY: usize = 1000;

/// One exchange.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    /// Increasing number, from 1.
    pub seq: u64,
    /// When the request arrived (shown in RFC 3339).
    pub time: Time,
    /// The API (`-` for a path under no mount).
    pub api: String,
    /// Its version (absent for an API without versions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The session.
    pub session: String,
    /// The operation (`-` when no route matched).
    pub operation: String,
    /// The request.
    pub request: Exchange,
    /// The response.
    pub response: Exchange,
    /// Milliseconds spent answering.
    pub ms: f64,
    /// The step of the pipeline that answered: `read`, `route`, `limit`, `auth`, `tokens`,
    /// `prefer`, `validate`, `cache`, `engine` or `self-check` (see `service.rs`).
    pub step: &'static str,
    /// Why a request was refused (absent for an answer that is not a refusal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Box<Why>>,
}

/// Why a request was refused: what understudy says, the scenario rule, and the violations.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Why {
    /// understudy's own words (also in the response, or its `X-Understudy-Reason`).
    pub message: String,
    /// The scenario rule that refused it (`operations.updateIntegration.immutable: /type`,
    /// `tokens.readonly-token: read-only`, `limits: 5 requests per 60 s`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Every violation of the contract, by the request (validation) or the response
    /// (self-check).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Problem>,
}

/// One violation, as the journal shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    /// `path`, `query`, `header`, `cookie`, `body` or `response`.
    pub location: &'static str,
    /// The parameter or header (absent for a body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// JSON pointer into the value (`/config/name`; empty for the whole value).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Where the contract says so: the file and the JSON pointer of the schema keyword or
    /// parameter that the value breaks (`openapi.yaml#/components/schemas/X/properties/name/type`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
}

/// One side of an exchange.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Exchange {
    /// Request method (request side only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Request path with query (request side only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Response status (response side only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Headers (shown with repeated ones joined by `, ` and credentials masked).
    pub headers: Headers,
    /// The body (shown as JSON when it parses, else text, `null` when empty).
    pub body: Body,
}

/// An instant, written out (RFC 3339) only when the journal is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Time(pub jiff::Timestamp);

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Headers as they were sent, copied into one flat buffer (`name:value` lines) and turned
/// into JSON only when the journal is read: recording costs one allocation and a copy, and
/// keeps no reference into the connection's read buffer (which would make the server
/// allocate a new one for every request).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(Box<[u8]>);

impl Headers {
    /// A copy of `map`, in its order (the values of a repeated header stay together).
    pub fn copy(map: &http::HeaderMap) -> Headers {
        let size = map.iter().map(|(n, v)| n.as_str().len() + v.len() + 2).sum();
        let mut flat = Vec::with_capacity(size);
        for (name, value) in map {
            // Neither names nor values can hold `:` (names) or a line break (both).
            flat.extend_from_slice(name.as_str().as_bytes());
            flat.push(b':');
            flat.extend_from_slice(value.as_bytes());
            flat.push(b'\n');
        }
        Headers(flat.into_boxed_slice())
    }

    /// The headers as `(name, value)` pairs, in the order they were copied.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.split(|b| *b == b'\n').filter(|line| !line.is_empty()).map(|line| {
            let colon = line.iter().position(|b| *b == b':').unwrap_or(line.len());
            let name = std::str::from_utf8(&line[..colon]).unwrap_or("");
            (name, line.get(colon + 1..).unwrap_or_default())
        })
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        headers(self.iter()).serialize(serializer)
    }
}

/// A body as it went over the wire, decoded only when the journal is read: recording costs
/// at most a copy (see [`Body::detached`]), not a parse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body(pub bytes::Bytes);

/// Bodies up to this size are copied when recorded (see [`Body::detached`]).
const COPIED_BODY: usize = 64 * 1024;

impl Body {
    /// A request body for the journal. A small body is copied, so that the journal keeps
    /// no reference into the connection's read buffer; a large one is kept as it is (it
    /// came in buffers of its own).
    pub fn detached(bytes: &bytes::Bytes) -> Body {
        if bytes.len() <= COPIED_BODY {
            Body(bytes::Bytes::copy_from_slice(bytes))
        } else {
            Body(bytes.clone())
        }
    }

    /// The body as JSON when it parses, else as text; `null` when empty.
    pub fn value(&self) -> Value {
        crate::json::text::body_value(&self.0)
    }

    /// [`Body::value`] with the values of secret-looking fields hidden: what the journal shows.
    pub fn shown(&self) -> Value {
        let mut value = self.value();
        crate::json::secret::redact(&mut value, &[]);
        value
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.shown().serialize(serializer)
    }
}

impl Entry {
    /// Whether the entry belongs to `selector`: an API (any version) or `api@version`.
    fn is_of(&self, selector: &str) -> bool {
        match selector.split_once('@') {
            Some((api, version)) => self.api == api && self.version.as_deref() == Some(version),
            None => self.api == selector,
        }
    }
}

/// Which entries to return.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only this API (`api`: all its versions; `api@version`: one).
    pub api: Option<String>,
    /// Only this session.
    pub session: Option<String>,
    /// Only this operation.
    pub operation: Option<String>,
    /// Only this method.
    pub method: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
    /// Only entries after this sequence number.
    pub since: Option<u64>,
    /// At most this many (newest first).
    pub limit: Option<usize>,
}

/// The journal. Shared by all connections.
#[derive(Debug)]
pub struct Journal {
    /// A `std::sync::Mutex`: nothing awaits while holding it.
    state: Mutex<(u64, VecDeque<Entry>)>,
    capacity: usize,
    /// The newest sequence number, for watchers (one value, however many watch).
    latest: watch::Sender<u64>,
}

impl Default for Journal {
    fn default() -> Self {
        Journal::new(DEFAULT_CAPACITY)
    }
}

impl Journal {
    /// A journal keeping the last `capacity` exchanges (0 keeps none).
    pub fn new(capacity: usize) -> Journal {
        Journal { state: Mutex::new((0, VecDeque::new())), capacity, latest: watch::Sender::new(0) }
    }

    /// Tells when entries arrive: the receiver sees the newest sequence number (read the
    /// entries with [`Journal::entries`] and `since`).
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Records an exchange; its `seq` is assigned here.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 += 1;
        entry.seq = state.0;
        let oldest = if state.1.len() == self.capacity { state.1.pop_front() } else { None };
        state.1.push_back(entry);
        let seq = state.0;
        drop(state);
        // Outside the lock; an older number arriving late changes nothing (watchers read
        // everything after what they have seen).
        self.latest.send_if_modified(|latest| {
            let newer = seq > *latest;
            *latest = (*latest).max(seq);
            newer
        });
        // The oldest entry is freed after the lock is released.
        drop(oldest);
    }

    /// Matching entries, newest first.
    pub fn entries(&self, query: &Query) -> Vec<Entry> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .1
            .iter()
            .rev()
            .filter(|e| query.api.as_deref().is_none_or(|a| e.is_of(a)))
            .filter(|e| query.session.as_ref().is_none_or(|s| &e.session == s))
            .filter(|e| query.operation.as_ref().is_none_or(|o| &e.operation == o))
            .filter(|e| {
                query.method.as_ref().is_none_or(|m| {
                    e.request.method.as_ref().is_some_and(|em| em.eq_ignore_ascii_case(m))
                })
            })
            .filter(|e| query.status.is_none_or(|s| e.response.status == Some(s)))
            .filter(|e| query.since.is_none_or(|s| e.seq > s))
            .take(query.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// The sequence number of the oldest entry kept (`None` when empty).
    pub fn first_seq(&self) -> Option<u64> {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1.front().map(|e| e.seq)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }
}

/// Headers for the journal: repeated ones joined by `, `, credentials masked.
fn headers<'a>(pairs: impl Iterator<Item = (&'a str, &'a [u8])>) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (name, value) in pairs {
        let text = String::from_utf8_lossy(value);
        let secret = crate::json::secret::is_secret_name(name) || name == "proxy-authorization";
        let text = if secret { mask(&text) } else { text.into_owned() };
        match out.get_mut(name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(&text);
            }
            _ => {
                out.insert(name.to_owned(), Value::String(text));
            }
        }
    }
    out
}

/// `Bearer abcdef123` → `Bearer abc…`: enough to tell tokens apart, not to use one.
fn mask(text: &str) -> String {
    match text.split_once(' ') {
        Some((scheme, secret)) => {
            format!("{scheme} {}…", secret.chars().take(3).collect::<String>())
        }
        None => "…".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(api: &str, status: u16) -> Entry {
        Entry {
            seq: 0,
            time: Time(jiff::Timestamp::UNIX_EPOCH),
            api: api.into(),
            version: None,
            session: "default".into(),
            operation: "op".into(),
            request: Exchange {
                method: Some("GET".into()),
                path: Some("/".into()),
                status: None,
                headers: Default::default(),
                body: Body::default(),
            },
            response: Exchange {
                method: None,
                path: None,
                status: Some(status),
                headers: Default::default(),
                body: Body::default(),
            },
            ms: 0.0,
            step: "engine",
            why: None,
        }
    }

    #[test]
    fn keeps_the_newest_up_to_capacity_and_filters() {
        let journal = Journal::new(3);
        for (api, status) in [("a", 200), ("b", 404), ("a", 201), ("a", 500)] {
            journal.record(entry(api, status));
        }
        let all = journal.entries(&Query::default());
        assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 3, 2]);
        let only_a = journal.entries(&Query { api: Some("a".into()), ..Query::default() });
        assert_eq!(only_a.len(), 2);
        let since = journal.entries(&Query { since: Some(3), ..Query::default() });
        assert_eq!(since.len(), 1);
        let created = journal.entries(&Query { status: Some(201), ..Query::default() });
        assert_eq!(created[0].seq, 3);
    }

    #[test]
    fn headers_are_copied_in_order_joined_and_masked() {
        let mut map = http::HeaderMap::new();
        map.insert("authorization", "Bearer secret-token".parse().unwrap());
        map.append("accept", "application/json".parse().unwrap());
        map.append("accept", "text/plain;q=0.5".parse().unwrap());
        map.insert("x-empty", "".parse().unwrap());
        let copied = Headers::copy(&map);
        assert_eq!(
            copied.iter().collect::<Vec<_>>(),
            [
                ("authorization", &b"Bearer secret-token"[..]),
                ("accept", b"application/json"),
                ("accept", b"text/plain;q=0.5"),
                ("x-empty", b""),
            ]
        );
        assert_eq!(
            serde_json::to_value(&copied).unwrap(),
            serde_json::json!({
                "authorization": "Bearer sec…",
                "accept": "application/json, text/plain;q=0.5",
                "x-empty": "",
            })
        );
        assert_eq!(Headers::copy(&http::HeaderMap::new()).iter().count(), 0);
    }

    #[test]
    fn small_request_bodies_are_copied_out_of_the_read_buffer() {
        let buffer = bytes::Bytes::from(vec![b'x'; 100]);
        let small = Body::detached(&buffer.slice(0..10));
        assert_eq!(small.0, &buffer[..10]);
        assert_ne!(small.0.as_ptr(), buffer.as_ptr(), "a copy");
        let large = bytes::Bytes::from(vec![b'y'; COPIED_BODY + 1]);
        assert_eq!(Body::detached(&large).0.as_ptr(), large.as_ptr(), "kept as it is");
    }
}
