//! Our own request type: the hyper request read once, body included.
//!
//! Routing, auth, validation, the engine and the journal all take `&Request`; reading the
//! body once, with a size limit, and keeping it as bytes means nobody has to deal with
//! streaming or with a body already consumed. What several steps read of the head is decoded
//! once, on first use, and kept: the query parameters, the cookies, and the credential of the
//! `Authorization` header (rate limits, authentication and the admin token all read it).

use std::sync::OnceLock;

use bytes::Bytes;
use http::{HeaderMap, Method};
use http_body_util::{BodyExt, Limited};

/// The path under which understudy's own routes live (health, reset, state, journal...).
pub const ADMIN_PREFIX: &str = "/__understudy";

/// The header that picks a session.
pub const SESSION: http::HeaderName = http::HeaderName::from_static("x-understudy-session");

/// A request as understudy sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The path as sent (still percent-encoded).
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body (empty when none was sent).
    pub body: Bytes,
    /// What is decoded of the head on first use.
    decoded: Decoded,
}

/// The parts of the head decoded on first use, at most once.
#[derive(Debug, Clone, Default)]
struct Decoded {
    query: OnceLock<Vec<(String, String)>>,
    cookies: OnceLock<Vec<(String, String)>>,
    authorization: OnceLock<Authorization>,
}

/// The `Authorization` header, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// No `Authorization` header.
    Missing,
    /// The header is not visible ASCII text.
    NotText,
    /// The header has no `<scheme> <credential>` shape (its text is kept).
    Malformed(String),
    /// `<scheme> <credential>`, both trimmed.
    Credential {
        /// The scheme as sent (`Bearer`, `bearer`, `Basic`).
        scheme: String,
        /// What follows it.
        token: String,
    },
}

impl Authorization {
    fn parse(headers: &HeaderMap) -> Authorization {
        let Some(value) = headers.get(http::header::AUTHORIZATION) else {
            return Authorization::Missing;
        };
        let Ok(text) = value.to_str() else { return Authorization::NotText };
        match text.trim().split_once(' ') {
            Some((scheme, token)) => Authorization::Credential {
                scheme: scheme.to_owned(),
                token: token.trim().to_owned(),
            },
            None => Authorization::Malformed(text.to_owned()),
        }
    }

    /// The credential after the scheme, whatever the scheme (`None` when there is none).
    pub fn token(&self) -> Option<&str> {
        match self {
            Authorization::Credential { token, .. } => Some(token),
            _ => None,
        }
    }
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The body is larger than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The connection failed while reading.
    Io(String),
    /// The body did not arrive in time.
    TimedOut,
}

impl Request {
    /// Reads a hyper request, refusing bodies longer than `limit` bytes and bodies that take
    /// longer than `timeout` to arrive. A failure comes with the request as far as it was read
    /// (its head), to answer it in the API's envelope.
    pub async fn read<B>(
        request: http::Request<B>,
        limit: usize,
        timeout: std::time::Duration,
    ) -> Result<Request, Box<(ReadError, Request)>>
    where
        B: hyper::body::Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    {
        let (parts, body) = request.into_parts();
        let mut read = Request {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body: Bytes::new(),
            decoded: Decoded::default(),
        };
        let declared = read
            .headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(Box::new((ReadError::TooLarge { limit }, read)));
        }
        // Nothing to wait for (most GETs): no timer to set.
        if body.is_end_stream() {
            return Ok(read);
        }
        let failure = match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await
        {
            Ok(Ok(collected)) => {
                read.body = collected.to_bytes();
                return Ok(read);
            }
            Err(_) => ReadError::TimedOut,
            Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
                ReadError::TooLarge { limit }
            }
            Ok(Err(error)) => ReadError::Io(error.to_string()),
        };
        Err(Box::new((failure, read)))
    }

    /// Builds a request directly (tests, and the conformance runner's replay).
    pub fn new(method: Method, target: &str, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (target.to_owned(), None),
        };
        Request { method, path, query, headers, body: body.into(), decoded: Decoded::default() }
    }

    /// A header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every value of a header, joined by commas as RFC 9110 allows for list headers.
    pub fn header_list(&self, name: &str) -> String {
        let values: Vec<&str> =
            self.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        values.join(", ")
    }

    /// The decoded query parameters, in order, repeated keys kept (decoded on first use).
    pub fn query_pairs(&self) -> &[(String, String)] {
        self.decoded.query.get_or_init(|| match &self.query {
            Some(query) => form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
            None => Vec::new(),
        })
    }

    /// The first value of a query parameter.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query_pairs().iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The cookies of every `Cookie` header, names and values trimmed (parsed on first use).
    pub fn cookies(&self) -> &[(String, String)] {
        self.decoded.cookies.get_or_init(|| {
            self.headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    Some((name.trim().to_owned(), value.trim().to_owned()))
                })
                .collect()
        })
    }

    /// The `Authorization` header (parsed on first use).
    pub fn authorization(&self) -> &Authorization {
        self.decoded.authorization.get_or_init(|| Authorization::parse(&self.headers))
    }

    /// The media type of the body, lower-cased, without parameters (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        media_essence(self.header("content-type")?)
    }

    /// The `X-Understudy-Session` header, or `default`.
    pub fn session(&self) -> &str {
        self.headers
            .get(&SESSION)
            .and_then(|v| v.to_str().ok())
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }

    /// Whether the request's head is one understudy can answer: at most one session header,
    /// and a session name of 1 to 64 of `A-Z a-z 0-9 . _ ~ -` (anything else would silently
    /// fall back to the shared session); on HTTP/1.1 from a connection (`version`), exactly one
    /// `Host`.
    pub fn check_head(&self, version: Option<http::Version>) -> Result<(), HeadProblem> {
        let sessions: Vec<&http::HeaderValue> = self.headers.get_all(&SESSION).iter().collect();
        match sessions.as_slice() {
            [] => {}
            [value] if is_session_name(value.as_bytes()) => {}
            [_] => return Err(HeadProblem::Session),
            _ => return Err(HeadProblem::Sessions),
        }
        if version == Some(http::Version::HTTP_11)
            && self.headers.get_all(http::header::HOST).iter().count() != 1
        {
            return Err(HeadProblem::Host);
        }
        Ok(())
    }
}

/// What is wrong with a request's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HeadProblem {
    /// A session name understudy does not take.
    #[error("X-Understudy-Session must be 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -")]
    Session,
    /// Several session headers.
    #[error("send at most one X-Understudy-Session header")]
    Sessions,
    /// No `Host`, or several, on HTTP/1.1 (RFC 9112 §3.2).
    #[error("an HTTP/1.1 request needs exactly one Host header")]
    Host,
}

/// `[A-Za-z0-9._~-]{1,64}`.
pub fn is_session_name(name: &[u8]) -> bool {
    (1..=64).contains(&name.len())
        && name.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'~' | b'-'))
}

/// The essence of a media type (`Content-Type` value, or a media range of a contract): the
/// type and subtype, lower-cased, without parameters. `None` when nothing is left.
pub fn media_essence(value: &str) -> Option<String> {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}
