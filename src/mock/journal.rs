//! The journal: the most recent requests and responses, for `/__understudy/journal`.
//!
//! A bounded ring, in entries and in bytes: the oldest entries go when a new one arrives past
//! either bound, so a long-running sidecar keeps a fixed amount of memory whatever its clients
//! send. Large parts are kept cut, with a visible marker: a body over 64 KiB (or an eighth of
//! the byte bound, if less) keeps its beginning, followed by `… [truncated by understudy: N
//! bytes, the first K shown]`, and its exchange says `"truncated": {"size": N, "kept": K}`; a
//! header value over 4 KiB and a path over 8 KiB are cut the same way.
//!
//! What it shows hides secrets: credential headers (`Authorization`, `X-Api-Key`, cookies) are
//! masked, secret-looking body fields (`api_key`, `client_secret`, `password`...) and query
//! parameters redacted (a body is redacted before it is cut, since the cut text is no longer
//! JSON that could be redacted when read).
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

use crate::mock::notice::Notice;

/// How many exchanges the journal keeps by default.
pub const DEFAULT_ENTRIES: usize = 1000;

/// How many bytes of exchanges the journal keeps by default: 32 MiB, room for the default
/// 1,000 entries of ordinary API traffic (a few KiB each) many times over, and for at least
/// 250 entries whose bodies were all cut to 64 KiB.
pub const DEFAULT_BYTES: usize = 32 << 20;

/// Bodies longer than this are kept cut to it (or to an eighth of the byte bound, if less).
pub const KEPT_BODY: usize = 64 << 10;

/// Header values longer than this are kept cut to it.
const KEPT_HEADER: usize = 4 << 10;

/// Paths (with their query) longer than this are kept cut to it.
const KEPT_PATH: usize = 8 << 10;

/// How much the journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalLimits {
    /// Exchanges kept (0 keeps none).
    pub entries: usize,
    /// Bytes kept: bodies, headers, paths and names as recorded, plus a fixed cost per entry.
    pub bytes: usize,
}

impl Default for JournalLimits {
    fn default() -> Self {
        JournalLimits { entries: DEFAULT_ENTRIES, bytes: DEFAULT_BYTES }
    }
}

impl JournalLimits {
    /// The longest body kept whole.
    pub fn kept_body(&self) -> usize {
        KEPT_BODY.min(self.bytes / 8)
    }
}

/// Said when each bound bites.
static FULL_ENTRIES: Notice = Notice::new();
static FULL_BYTES: Notice = Notice::new();
static TOO_LARGE: Notice = Notice::new();
static CUT: Notice = Notice::new();

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
    /// The body (shown as JSON when it parses, else text, `null` when empty; cut, and then
    /// text, when it was too long to keep whole).
    pub body: Body,
    /// Present when the body was cut: how long it was, and how much of it is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncated>,
}

/// How a body was cut.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Truncated {
    /// Its length as it went over the wire, in bytes.
    pub size: usize,
    /// How many bytes of it (secrets redacted) the journal kept.
    pub kept: usize,
}

impl Exchange {
    /// Bytes held by this side of an exchange.
    fn size(&self) -> usize {
        let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
        text(&self.method) + text(&self.path) + self.headers.0.len() + self.body.0.len()
    }

    /// Cuts the path and the body when they are too long to keep whole; whether the body was.
    fn cut(&mut self, kept_body: usize) -> bool {
        if let Some(path) = &mut self.path
            && path.len() > KEPT_PATH
        {
            *path = cut_text(path, KEPT_PATH);
        }
        let size = self.body.0.len();
        if size <= kept_body {
            return false;
        }
        // Secrets are hidden first: what is kept is text, which is not redacted when read.
        let text = match self.body.shown() {
            Value::String(text) => text,
            other => crate::json::text::compact(&other),
        };
        let mut kept = kept_body.min(text.len());
        while !text.is_char_boundary(kept) {
            kept -= 1;
        }
        let body = format!(
            "{}… [truncated by understudy: {size} bytes, the first {kept} shown]",
            &text[..kept]
        );
        self.body = Body(bytes::Bytes::from(body));
        self.truncated = Some(Truncated { size, kept });
        true
    }
}

/// `text` cut to at most `limit` bytes (at a character boundary), with the marker.
fn cut_text(text: &str, limit: usize) -> String {
    let mut kept = limit.min(text.len());
    while !text.is_char_boundary(kept) {
        kept -= 1;
    }
    format!("{}… [truncated by understudy: {} bytes]", &text[..kept], text.len())
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
        let size =
            map.iter().map(|(n, v)| n.as_str().len() + v.len().min(KEPT_HEADER + 64) + 2).sum();
        let mut flat = Vec::with_capacity(size);
        for (name, value) in map {
            // Neither names nor values can hold `:` (names) or a line break (both).
            flat.extend_from_slice(name.as_str().as_bytes());
            flat.push(b':');
            let value = value.as_bytes();
            if value.len() > KEPT_HEADER {
                flat.extend_from_slice(&value[..KEPT_HEADER]);
                let marker = format!("… [truncated by understudy: {} bytes]", value.len());
                flat.extend_from_slice(marker.as_bytes());
            } else {
                flat.extend_from_slice(value);
            }
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

    /// Bytes the entry holds, as the journal's byte bound counts them.
    fn size(&self) -> usize {
        std::mem::size_of::<Entry>()
            + self.api.len()
            + self.version.as_ref().map_or(0, String::len)
            + self.session.len()
            + self.operation.len()
            + self.request.size()
            + self.response.size()
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
    state: Mutex<Ring>,
    limits: JournalLimits,
    /// The newest sequence number, for watchers (one value, however many watch).
    latest: watch::Sender<u64>,
}

/// The entries, with the last sequence number given and the bytes they hold.
#[derive(Debug, Default)]
struct Ring {
    seq: u64,
    entries: VecDeque<Entry>,
    bytes: usize,
}

impl Default for Journal {
    fn default() -> Self {
        Journal::new(JournalLimits::default())
    }
}

impl Journal {
    /// A journal keeping the last exchanges, within `limits`.
    pub fn new(limits: JournalLimits) -> Journal {
        Journal { state: Mutex::new(Ring::default()), limits, latest: watch::Sender::new(0) }
    }

    /// Tells when entries arrive: the receiver sees the newest sequence number (read the
    /// entries with [`Journal::entries`] and `since`).
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    /// Records an exchange; its `seq` is assigned here. Long bodies and paths are cut first;
    /// the oldest entries make room.
    pub fn record(&self, mut entry: Entry) {
        if self.limits.entries == 0 || self.limits.bytes == 0 {
            return;
        }
        let kept_body = self.limits.kept_body();
        let cut = entry.request.cut(kept_body) | entry.response.cut(kept_body);
        if cut && let Some(n) = CUT.hit() {
            tracing::info!(
                kept = kept_body,
                occurrences = n,
                "journal: bodies too long to keep whole are kept cut, with a marker"
            );
        }
        let size = entry.size();
        if size > self.limits.bytes {
            if let Some(n) = TOO_LARGE.hit() {
                tracing::warn!(
                    size,
                    journal_bytes = self.limits.bytes,
                    occurrences = n,
                    "journal: an exchange larger than --journal-bytes is not kept"
                );
            }
            return;
        }
        let mut oldest = Vec::new();
        let mut ring = self.state.lock().unwrap_or_else(|p| p.into_inner());
        ring.seq += 1;
        entry.seq = ring.seq;
        let (mut by_count, mut by_bytes) = (false, false);
        while ring.entries.len() >= self.limits.entries || ring.bytes + size > self.limits.bytes {
            by_count |= ring.entries.len() >= self.limits.entries;
            by_bytes |= ring.entries.len() < self.limits.entries;
            let Some(old) = ring.entries.pop_front() else { break };
            ring.bytes -= old.size();
            oldest.push(old);
        }
        ring.bytes += size;
        ring.entries.push_back(entry);
        let seq = ring.seq;
        // Read under the lock: a watcher subscribes before it first reads the entries (under
        // this lock), so one that subscribes after this reads the entry just added itself.
        let watched = self.latest.receiver_count() > 0;
        drop(ring);
        // Outside the lock; an older number arriving late changes nothing (watchers read
        // everything after what they have seen). With nobody watching the number is kept
        // without waking anyone: waking takes eight locks, on every request.
        self.latest.send_if_modified(|latest| {
            let newer = seq > *latest;
            *latest = (*latest).max(seq);
            newer && watched
        });
        // The oldest entries are freed after the lock is released.
        drop(oldest);
        let (notice, bound) = match (by_count, by_bytes) {
            (_, true) => (&FULL_BYTES, "--journal-bytes"),
            (true, false) => (&FULL_ENTRIES, "--journal-entries"),
            (false, false) => return,
        };
        if let Some(n) = notice.hit() {
            tracing::info!(bound, occurrences = n, "journal full: the oldest exchanges make room");
        }
    }

    /// How many entries it holds, and how many bytes they hold.
    pub fn usage(&self) -> (usize, usize) {
        let ring = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (ring.entries.len(), ring.bytes)
    }

    /// Matching entries, newest first.
    pub fn entries(&self, query: &Query) -> Vec<Entry> {
        let ring = self.state.lock().unwrap_or_else(|p| p.into_inner());
        ring.entries
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
        self.state.lock().unwrap_or_else(|p| p.into_inner()).entries.front().map(|e| e.seq)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut ring = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entries = std::mem::take(&mut ring.entries);
        ring.bytes = 0;
        drop(ring);
        drop(entries);
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
                truncated: None,
            },
            response: Exchange {
                method: None,
                path: None,
                status: Some(status),
                headers: Default::default(),
                body: Body::default(),
                truncated: None,
            },
            ms: 0.0,
            step: "engine",
            why: None,
        }
    }

    #[test]
    fn keeps_the_newest_up_to_capacity_and_filters() {
        let journal = Journal::new(JournalLimits { entries: 3, bytes: DEFAULT_BYTES });
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

    #[tokio::test]
    async fn entries_nobody_watches_keep_the_newest_number_and_a_later_watcher_is_woken() {
        let journal = Journal::default();
        journal.record(entry("a", 200));
        journal.record(entry("a", 200));
        let mut watcher = journal.watch();
        assert_eq!(*watcher.borrow_and_update(), 2);
        journal.record(entry("a", 201));
        let woken = tokio::time::timeout(std::time::Duration::from_secs(10), watcher.changed());
        assert!(woken.await.is_ok_and(|changed| changed.is_ok()), "the watcher was not woken");
        assert_eq!(*watcher.borrow_and_update(), 3);
        drop(watcher);
        journal.record(entry("a", 202));
        assert_eq!(*journal.watch().borrow(), 4);
    }

    fn with_bodies(request: &[u8], response: &[u8]) -> Entry {
        let mut entry = entry("a", 400);
        entry.request.body = Body(bytes::Bytes::copy_from_slice(request));
        entry.response.body = Body(bytes::Bytes::copy_from_slice(response));
        entry
    }

    #[test]
    fn the_byte_bound_holds_with_megabyte_bodies_which_are_kept_cut_with_a_marker() {
        let limits = JournalLimits { entries: 1000, bytes: 1 << 20 };
        let journal = Journal::new(limits);
        let mut big = br#"{"api_key": "sk-secret", "name": ""#.to_vec();
        big.extend(std::iter::repeat_n(b'x', 1 << 20));
        big.extend_from_slice(br#""}"#);
        for _ in 0..30 {
            journal.record(with_bodies(&big, b"{\"ok\": true}"));
            let (_, bytes) = journal.usage();
            assert!(bytes <= limits.bytes, "{bytes}");
        }
        let (entries, _) = journal.usage();
        // Each entry holds a body cut to 64 KiB: fifteen fit in 1 MiB.
        assert_eq!(entries, 15);
        let newest = &journal.entries(&Query::default())[0];
        assert_eq!(newest.seq, 30);
        let shown = serde_json::to_value(newest).unwrap();
        let truncated = &shown["request"]["truncated"];
        assert_eq!(truncated["size"], big.len());
        assert_eq!(truncated["kept"], limits.kept_body());
        let text = shown["request"]["body"].as_str().unwrap();
        assert!(
            text.ends_with(&format!(
                "… [truncated by understudy: {} bytes, the first {} shown]",
                big.len(),
                limits.kept_body()
            )),
            "{}",
            &text[text.len() - 80..]
        );
        assert!(
            !text.contains("sk-secret") && text.contains("‹redacted›"),
            "secrets hidden before the cut"
        );
        // The small side is whole, and says nothing of truncation.
        assert_eq!(shown["response"]["body"], serde_json::json!({"ok": true}));
        assert!(shown["response"].get("truncated").is_none());
    }

    #[test]
    fn the_entry_bound_holds_and_an_exchange_larger_than_the_byte_bound_is_not_kept() {
        let journal = Journal::new(JournalLimits { entries: 2, bytes: 4096 });
        for _ in 0..5 {
            journal.record(entry("a", 200));
        }
        assert_eq!(journal.usage().0, 2);
        let mut huge = entry("a", 200);
        huge.api = "a".repeat(10_000);
        journal.record(huge);
        assert_eq!(journal.entries(&Query::default())[0].seq, 5, "not kept");
    }

    #[test]
    fn long_header_values_and_paths_are_kept_cut() {
        let mut map = http::HeaderMap::new();
        map.insert("authorization", format!("Bearer {}", "t".repeat(200_000)).parse().unwrap());
        let copied = Headers::copy(&map);
        assert!(copied.0.len() < KEPT_HEADER + 100, "{}", copied.0.len());
        let shown = serde_json::to_value(&copied).unwrap();
        assert_eq!(shown["authorization"], "Bearer ttt…");
        let journal = Journal::default();
        let mut long = entry("a", 200);
        long.request.path = Some(format!("/{}", "p".repeat(100_000)));
        journal.record(long);
        let path = journal.entries(&Query::default())[0].request.path.clone().unwrap();
        assert!(
            path.ends_with("… [truncated by understudy: 100001 bytes]"),
            "{}",
            &path[path.len() - 60..]
        );
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
