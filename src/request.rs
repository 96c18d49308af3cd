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

#[cfg(test)]
mod tests {
    //! Properties of reading a request's head: the query, the credential, the session and
    //! the cookies. Each test's doc says what would make it fail.

    use http::{HeaderMap, HeaderValue, Method, Version};
    use proptest::prelude::*;

    use super::*;
    use crate::json::arbitrary;

    fn with_headers(target: &str, headers: &[(&str, &[u8])]) -> Request {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            map.append(name, HeaderValue::from_bytes(value).unwrap());
        }
        Request::new(Method::GET, target, map, Bytes::new())
    }

    /// Bytes a header value may hold (no CR, LF or NUL; `HeaderValue` refuses those).
    fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "[A-Za-z0-9._~-]{0,70}".prop_map(String::into_bytes),
            prop::collection::vec(
                any::<u8>()
                    .prop_filter("a header byte", |b| *b == b'\t' || (*b >= 0x20 && *b != 0x7f)),
                0..70
            ),
        ]
    }

    /// `[A-Za-z0-9._~-]{1,64}`, written independently of `is_session_name`.
    fn session_pattern() -> regex::Regex {
        regex::Regex::new(r"\A[A-Za-z0-9._~-]{1,64}\z").unwrap()
    }

    proptest! {
        /// Breaks if any pair, in any order and with any characters (`&`, `=`, `+`, `%`,
        /// non-ASCII, empty), does not come back from the query exactly as a form encoder wrote
        /// it, repeated names kept in order.
        #[test]
        fn a_query_decodes_to_the_pairs_it_was_encoded_from(
            pairs in prop::collection::vec((arbitrary::text(), arbitrary::text()), 0..8),
            path in "/[a-z/]{0,8}",
        ) {
            let mut encoder = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &pairs {
                encoder.append_pair(k, v);
            }
            let request = with_headers(&format!("{path}?{}", encoder.finish()), &[]);
            prop_assert_eq!(&request.path, &path);
            prop_assert_eq!(request.query_pairs(), pairs.as_slice());
            for (k, v) in &pairs {
                let first = pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
                prop_assert_eq!(request.query_value(k), first, "{} (this one: {})", k, v);
            }
        }

        /// Breaks if percent-encoding every byte (`%20` rather than `+`, UTF-8 sequences
        /// split into bytes) decodes to anything but the text that was encoded.
        #[test]
        fn a_fully_percent_encoded_query_decodes_to_its_text(key in any::<String>(), value in any::<String>()) {
            let encode = |text: &str| text.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
            let request = with_headers(&format!("/?{}={}", encode(&key), encode(&value)), &[]);
            prop_assert_eq!(request.query_pairs(), &[(key, value)][..]);
        }

        /// Breaks if any query string (raw bytes as text, stray `%`, `=`, `&`) panics, or
        /// yields a pair for an empty segment between `&`s.
        #[test]
        fn any_query_string_decodes_without_panicking(query in "[a-z%=&+;#?/0-9A-F\u{e9}]{0,40}") {
            let request = with_headers(&format!("/?{query}"), &[]);
            let segments = query.split('&').filter(|s| !s.is_empty()).count();
            prop_assert_eq!(request.query_pairs().len(), segments);
        }

        /// Breaks if `<scheme> <credential>`, with any spaces around or between them, is not
        /// read as that scheme and that credential, or if the credential is not the token
        /// every step (rate limits, authentication, the admin token) reads.
        #[test]
        fn a_credential_is_its_scheme_and_its_token_whatever_the_spaces(
            scheme in "[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,12}",
            token in "[!-~]{1,40}",
            before in " {0,3}",
            between in " {1,3}",
            after in " {0,3}",
        ) {
            let header = format!("{before}{scheme}{between}{token}{after}");
            let request = with_headers("/", &[("authorization", header.as_bytes())]);
            let expected = Authorization::Credential { scheme: scheme.clone(), token: token.clone() };
            prop_assert_eq!(request.authorization(), &expected);
            prop_assert_eq!(request.authorization().token(), Some(token.as_str()));
        }

        /// Breaks if an `Authorization` header with bytes beyond ASCII is read as a
        /// credential, or one without a space is taken for anything but malformed.
        #[test]
        fn a_header_that_is_not_a_credential_yields_no_token(value in header_bytes()) {
            let request = with_headers("/", &[("authorization", &value)]);
            let read = request.authorization();
            match std::str::from_utf8(&value).ok().filter(|t| t.bytes().all(|b| b.is_ascii())) {
                None => prop_assert_eq!(read, &Authorization::NotText),
                Some(text) if !text.trim().contains(' ') => {
                    prop_assert_eq!(read, &Authorization::Malformed(text.to_owned()));
                    prop_assert_eq!(read.token(), None);
                }
                Some(_) => prop_assert!(read.token().is_some()),
            }
            let none = with_headers("/", &[]);
            prop_assert_eq!(none.authorization(), &Authorization::Missing);
        }

        /// Breaks if a session header is accepted that is not 1 to 64 of `A-Z a-z 0-9 . _ ~
        /// -` (it would land in another session, or the shared one), if one that is gets
        /// refused, or if an accepted one is not the session the request uses.
        #[test]
        fn a_session_header_is_accepted_exactly_when_it_is_a_session_name(value in header_bytes()) {
            let request = with_headers("/", &[("x-understudy-session", &value)]);
            let text = std::str::from_utf8(&value).unwrap_or("\u{fffd}");
            if session_pattern().is_match(text) {
                prop_assert_eq!(request.check_head(None), Ok(()));
                prop_assert_eq!(request.session(), text);
            } else {
                prop_assert_eq!(request.check_head(None), Err(HeadProblem::Session));
            }
        }

        /// Breaks if two session headers, even two good ones, are not refused: which one
        /// would win is anyone's guess.
        #[test]
        fn two_session_headers_are_refused_whatever_they_hold(a in header_bytes(), b in header_bytes()) {
            let request = with_headers("/", &[("x-understudy-session", &a), ("x-understudy-session", &b)]);
            prop_assert_eq!(request.check_head(None), Err(HeadProblem::Sessions));
        }

        /// Breaks if an HTTP/1.1 request with other than exactly one `Host` is answered, or
        /// if the rule is applied where it does not hold (HTTP/2, requests built in-process).
        #[test]
        fn http_1_1_needs_exactly_one_host(hosts in prop::collection::vec("[a-z0-9.:]{1,12}", 0..4)) {
            let headers: Vec<(&str, &[u8])> = hosts.iter().map(|h| ("host", h.as_bytes())).collect();
            let request = with_headers("/", &headers);
            let expected = if hosts.len() == 1 { Ok(()) } else { Err(HeadProblem::Host) };
            prop_assert_eq!(request.check_head(Some(Version::HTTP_11)), expected);
            prop_assert_eq!(request.check_head(Some(Version::HTTP_2)), Ok(()));
            prop_assert_eq!(request.check_head(None), Ok(()));
        }

        /// Breaks if cookies spread over any number of `Cookie` headers, with any spacing
        /// around `;` and `=`, do not come back as their names and values, in order.
        #[test]
        fn cookies_read_back_as_their_names_and_values(
            headers in prop::collection::vec(
                prop::collection::vec(("[A-Za-z0-9_-]{1,8}", "[A-Za-z0-9_.=-]{0,8}"), 1..4),
                0..3,
            ),
            space in " {0,2}",
        ) {
            let lines: Vec<String> = headers
                .iter()
                .map(|pairs| {
                    pairs
                        .iter()
                        .map(|(n, v)| format!("{space}{n}{space}={space}{v}"))
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .collect();
            let named: Vec<(&str, &[u8])> = lines.iter().map(|l| ("cookie", l.as_bytes())).collect();
            let request = with_headers("/", &named);
            let expected: Vec<(String, String)> = headers.into_iter().flatten().collect();
            prop_assert_eq!(request.cookies(), expected.as_slice());
        }

        /// Breaks if a media type is not read as its type and subtype, lower-cased, without
        /// parameters, whatever its case, spacing and parameters.
        #[test]
        fn a_content_type_is_read_as_its_lower_case_essence(
            kind in "[A-Za-z]{1,10}",
            subtype in "[A-Za-z0-9.+-]{1,16}",
            parameters in "(; ?[a-z]{1,6}=[A-Za-z0-9-]{1,8}){0,2}",
            space in " {0,2}",
        ) {
            let value = format!("{space}{kind}/{subtype}{space}{parameters}");
            let request = with_headers("/", &[("content-type", value.as_bytes())]);
            let expected = format!("{kind}/{subtype}").to_ascii_lowercase();
            prop_assert_eq!(request.media_type(), Some(expected));
        }
    }
}
