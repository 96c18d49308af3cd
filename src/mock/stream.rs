//! Answers that are not one block of bytes: the app's response [`Body`] (whole, or live), and
//! the journal as server-sent events (`GET /__understudy/journal/stream`), which the
//! dashboard shows as requests arrive.
//!
//! The stream keeps nothing per watcher but the last sequence number it sent and the events
//! of its last read (at most what the journal holds, which is bounded): it wakes when the
//! journal's newest number changes (a `watch` channel, one value however many watch), reads
//! what is new from the journal's ring, and writes it. A watcher that reads slowly makes no
//! queue grow; if entries fell off the ring before it read them, it is told how many
//! (`event: lagged`). The stream ends when the server shuts down ([`State::close_streams`]),
//! so an open dashboard never holds up a graceful stop.
//!
//! ```text
//! retry: 2000
//!
//! id: 41
//! event: entry
//! data: {"seq":41,"api":"teable",...}
//!
//! event: ready                    the entries already in the journal have been sent
//! data: {"seq":41}
//!
//! event: lagged                   entries that fell off the journal before they were sent
//! data: {"missed":12}
//!
//! : keep-alive                    every 15 s of silence (proxies close idle streams)
//! ```

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full, StreamBody};
use hyper::body::{Frame, SizeHint};
use tokio::sync::watch;

use crate::mock::journal::Query;
use crate::mock::state::State;

/// How long a stream may stay silent before a comment keeps it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Events are written in chunks of about this many bytes (a backlog of thousands of entries
/// is not one write per entry, nor one huge buffer).
const CHUNK: usize = 64 * 1024;

/// The body of the app's responses: a whole answer, or a live stream.
#[derive(Debug)]
pub enum Body {
    /// The bytes of an answer.
    Whole(Full<Bytes>),
    /// Events written as they happen.
    Live(UnsyncBoxBody<Bytes, Infallible>),
}

impl Default for Body {
    fn default() -> Self {
        Body::Whole(Full::default())
    }
}

impl From<Full<Bytes>> for Body {
    fn from(full: Full<Bytes>) -> Self {
        Body::Whole(full)
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Whole(full) => Pin::new(full).poll_frame(cx),
            Body::Live(live) => Pin::new(live).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Whole(full) => full.is_end_stream(),
            Body::Live(live) => live.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Whole(full) => full.size_hint(),
            Body::Live(live) => live.size_hint(),
        }
    }
}

/// What one journal stream remembers between writes.
struct Feed {
    state: State,
    /// Which entries to send.
    query: Query,
    /// The last sequence number looked at (sent, or filtered out).
    last: u64,
    /// Whether the entries the journal held when the stream opened have been read.
    ready: bool,
    /// Chunks read from the journal and not written yet.
    pending: VecDeque<Bytes>,
    /// The journal's newest sequence number.
    newest: watch::Receiver<u64>,
    /// Set when the server shuts down.
    closing: watch::Receiver<bool>,
}

/// The journal as server-sent events: the entries after `since` that match `query`
/// (`query.since` and `query.limit` are ignored), oldest first, then new ones as they come.
pub(crate) fn journal(state: &State, query: Query, since: u64) -> Body {
    let mut pending = VecDeque::new();
    pending.push_back(Bytes::from_static(b"retry: 2000\n\n"));
    let feed = Feed {
        newest: state.journal().watch(),
        closing: state.closing(),
        state: state.clone(),
        query: Query { since: None, limit: None, ..query },
        last: since,
        ready: false,
        pending,
    };
    let events = futures_util::stream::unfold(feed, |mut feed| async {
        let chunk = feed.next().await?;
        Some((Ok::<_, Infallible>(Frame::data(chunk)), feed))
    });
    Body::Live(StreamBody::new(events).boxed_unsync())
}

impl Feed {
    /// The next chunk of events; `None` when the server shuts down.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if *self.closing.borrow() {
                return None;
            }
            if let Some(chunk) = self.pending.pop_front() {
                return Some(chunk);
            }
            self.read();
            if !self.pending.is_empty() {
                continue;
            }
            tokio::select! {
                biased;
                closed = self.closing.changed() => {
                    if closed.is_err() {
                        return None;
                    }
                }
                changed = self.newest.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                () = tokio::time::sleep(KEEP_ALIVE) => {
                    return Some(Bytes::from_static(b": keep-alive\n\n"));
                }
            }
        }
    }

    /// Queues the events for what the journal holds after `last`, in chunks of about
    /// [`CHUNK`] bytes, and `ready` after the first read.
    fn read(&mut self) {
        // Seen before reading: an entry recorded meanwhile wakes the next wait, and nothing
        // after this number is skipped.
        let newest = *self.newest.borrow_and_update();
        let journal = self.state.journal();
        let mut out = String::new();
        if self.ready
            && let Some(first) = journal.first_seq()
            && first > self.last + 1
        {
            let missed = first - self.last - 1;
            let _ = write!(out, "event: lagged\ndata: {{\"missed\":{missed}}}\n\n");
            self.last = first - 1;
        }
        let query = Query { since: Some(self.last), ..self.query.clone() };
        let mut entries = journal.entries(&query);
        // Newest first from the journal; the stream sends the oldest first.
        entries.reverse();
        for entry in &entries {
            let Ok(json) = serde_json::to_string(entry) else { continue };
            let _ = write!(out, "id: {}\nevent: entry\ndata: {json}\n\n", entry.seq);
            self.last = entry.seq;
            if out.len() >= CHUNK {
                self.pending.push_back(Bytes::from(std::mem::take(&mut out)));
            }
        }
        // Entries filtered out are seen too.
        self.last = self.last.max(newest);
        if !self.ready {
            self.ready = true;
            let _ = write!(out, "event: ready\ndata: {{\"seq\":{}}}\n\n", self.last);
        }
        if !out.is_empty() {
            self.pending.push_back(Bytes::from(out));
        }
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;

    use super::*;
    use crate::mock::journal::{self, Entry, Exchange, Time};

    fn entry() -> Entry {
        let side = |status| Exchange {
            method: None,
            path: None,
            status,
            headers: Default::default(),
            body: journal::Body::default(),
            truncated: None,
        };
        Entry {
            seq: 0,
            time: Time(jiff::Timestamp::UNIX_EPOCH),
            api: "a".into(),
            version: None,
            session: "default".into(),
            operation: "op".into(),
            request: side(None),
            response: side(Some(200)),
            ms: 0.0,
            step: "engine",
            why: None,
        }
    }

    async fn next(body: &mut Body) -> String {
        let frame = tokio::time::timeout(Duration::from_secs(2), body.frame()).await;
        let frame = frame.expect("a frame in time").expect("open").unwrap();
        String::from_utf8(frame.into_data().unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_slow_reader_is_told_how_many_entries_it_missed_and_the_stream_ends_on_close() {
        let settings = crate::mock::state::Settings {
            journal: crate::mock::journal::JournalLimits { entries: 3, ..Default::default() },
            ..Default::default()
        };
        let catalog = std::sync::Arc::new(crate::catalog::Catalog { apis: Vec::new() });
        let state = State::new(catalog, crate::mock::store::Store::default(), settings);
        state.journal().record(entry());
        let mut body = journal(&state, Query::default(), 0);
        assert_eq!(next(&mut body).await, "retry: 2000\n\n");
        let backlog = next(&mut body).await;
        assert!(
            backlog.starts_with("id: 1\n")
                && backlog.ends_with("event: ready\ndata: {\"seq\":1}\n\n"),
            "{backlog}"
        );
        // Five more while the reader reads nothing: the ring keeps three.
        for _ in 0..5 {
            state.journal().record(entry());
        }
        let caught_up = next(&mut body).await;
        assert!(caught_up.starts_with("event: lagged\ndata: {\"missed\":2}\n\n"), "{caught_up}");
        let ids: Vec<&str> = caught_up.lines().filter_map(|l| l.strip_prefix("id: ")).collect();
        assert_eq!(ids, ["4", "5", "6"]);
        state.close_streams();
        let end = tokio::time::timeout(Duration::from_secs(2), body.frame()).await.unwrap();
        assert!(end.is_none(), "the stream ends when the server shuts down");
    }
}
