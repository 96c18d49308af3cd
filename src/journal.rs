//! The journal: the most recent requests and responses, for `/__understudy/journal`.
//!
//! A bounded ring: the oldest entry goes when a new one arrives past the capacity, so a
//! long-running sidecar keeps a fixed amount of memory. `Authorization` values are masked.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

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

/// Headers as they were sent, turned into JSON only when the journal is read: recording
/// costs a clone of the map, not a text per header.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(pub http::HeaderMap);

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        headers(&self.0).serialize(serializer)
    }
}

/// A body as it went over the wire, decoded only when the journal is read: recording costs
/// a reference count, not a parse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body(pub bytes::Bytes);

impl Body {
    /// The body as JSON when it parses, else as text; `null` when empty.
    pub fn value(&self) -> Value {
        body(&self.0)
    }
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

/// Which entries to return.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only this API.
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
}

impl Default for Journal {
    fn default() -> Self {
        Journal::new(DEFAULT_CAPACITY)
    }
}

impl Journal {
    /// A journal keeping the last `capacity` exchanges (0 keeps none).
    pub fn new(capacity: usize) -> Journal {
        Journal { state: Mutex::new((0, VecDeque::new())), capacity }
    }

    /// Records an exchange; its `seq` is assigned here.
    pub fn record(&self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 += 1;
        entry.seq = state.0;
        if state.1.len() == self.capacity {
            state.1.pop_front();
        }
        state.1.push_back(entry);
    }

    /// Matching entries, newest first.
    pub fn entries(&self, query: &Query) -> Vec<Entry> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state
            .1
            .iter()
            .rev()
            .filter(|e| query.api.as_ref().is_none_or(|a| &e.api == a))
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

    /// Forgets everything.
    pub fn clear(&self) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }
}

/// Headers for the journal: repeated ones joined, credentials masked.
pub fn headers(map: &http::HeaderMap) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for name in map.keys() {
        let values: Vec<String> = map
            .get_all(name)
            .iter()
            .map(|v| {
                let text = String::from_utf8_lossy(v.as_bytes()).into_owned();
                if matches!(name.as_str(), "authorization" | "proxy-authorization" | "cookie") {
                    mask(&text)
                } else {
                    text
                }
            })
            .collect();
        out.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
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

/// A body for the journal: JSON when it parses, else text, `null` when empty.
pub fn body(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(api: &str, status: u16) -> Entry {
        Entry {
            seq: 0,
            time: Time(jiff::Timestamp::UNIX_EPOCH),
            api: api.into(),
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
    fn credentials_are_masked() {
        let mut map = http::HeaderMap::new();
        map.insert("authorization", "Bearer secret-token".parse().unwrap());
        assert_eq!(headers(&map)["authorization"], "Bearer sec…");
    }
}
