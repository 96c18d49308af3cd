//! The `Prefer` request header, in Prism's words: `Prefer: code=404`, `Prefer: example=NAME`,
//! `Prefer: dynamic=true` and `Prefer: delay=MS`.
//!
//! `code` and `example` pick a documented response instead of the scenario's behaviour, and
//! leave the store untouched; `dynamic` makes an answer built from the contract (a documented
//! one, or that of an operation without a behaviour) generated afresh with varied values
//! instead of the static example or sample (`dynamic=false` turns `serve --dynamic` off for one
//! request); `delay` makes this one response wait (at most a minute). Clients that cannot set
//! headers may use the query parameters `__code`, `__example`, `__dynamic` and `__delay`
//! instead. Preferences understudy does not know are ignored, as RFC 7240 asks.

use crate::mock::respond::Failure;
use crate::request::Request;

/// Query parameters understudy reads itself, never passed to validation.
pub(crate) const QUERY_KEYS: &[&str] = &["__code", "__example", "__dynamic", "__delay"];

/// The longest delay a request may ask for.
pub(crate) const MAX_DELAY: std::time::Duration = std::time::Duration::from_secs(60);

/// What the client prefers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Prefer {
    /// A documented status to answer with.
    pub code: Option<u16>,
    /// A named example to answer with.
    pub example: Option<String>,
    /// Whether answers built from the contract are generated afresh (`None`: as configured).
    pub dynamic: Option<bool>,
    /// How long to wait before answering.
    pub delay: Option<std::time::Duration>,
}

impl Prefer {
    /// Whether the client asked for a documented response.
    pub(crate) fn is_set(&self) -> bool {
        self.code.is_some() || self.example.is_some()
    }
}

/// Reads `Prefer` headers and the `__code` / `__example` / `__dynamic` / `__delay` query
/// parameters.
pub(crate) fn parse(request: &Request) -> Result<Prefer, Failure> {
    let mut prefer = Prefer::default();
    // Most requests carry neither: answer without decoding the query.
    let query = request.query.as_deref().unwrap_or("");
    if request.headers.get("prefer").is_none()
        && !query.contains("__")
        && !query.contains("%5F")
        && !query.contains("%5f")
    {
        return Ok(prefer);
    }
    let header = request.header_list("prefer");
    let pairs = header
        .split([',', ';'])
        .filter_map(|token| token.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_owned()));
    let query = request
        .query_pairs()
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("__").map(|k| (k.to_owned(), v.clone())));
    for (key, value) in pairs.chain(query) {
        match key.as_str() {
            "code" => {
                let code = value.parse::<u16>().ok().filter(|c| (100..=599).contains(c));
                prefer.code = Some(code.ok_or_else(|| Failure::BadPrefer {
                    reason: format!("Prefer: code={value} is not an HTTP status code"),
                })?);
            }
            "example" if !value.is_empty() => prefer.example = Some(value),
            "dynamic" => {
                let flag = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(Failure::BadPrefer {
                            reason: format!("Prefer: dynamic={value} is neither true nor false"),
                        });
                    }
                };
                prefer.dynamic = Some(flag);
            }
            "delay" => {
                let millis = value
                    .parse::<u64>()
                    .ok()
                    .map(std::time::Duration::from_millis)
                    .filter(|d| *d <= MAX_DELAY);
                prefer.delay = Some(millis.ok_or_else(|| Failure::BadPrefer {
                    reason: format!(
                        "Prefer: delay={value} is not a number of milliseconds up to {}",
                        MAX_DELAY.as_millis()
                    ),
                })?);
            }
            _ => {}
        }
    }
    Ok(prefer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, Method};

    fn parse_with(headers: &[&str], target: &str) -> Result<Prefer, Failure> {
        let mut map = HeaderMap::new();
        for value in headers {
            map.append("prefer", HeaderValue::from_str(value).unwrap());
        }
        parse(&Request::new(Method::GET, target, map, ""))
    }

    #[test]
    fn reads_header_lists_and_query_fallbacks() {
        assert_eq!(
            parse_with(&["code=404, example=\"missing\""], "/").unwrap(),
            Prefer { code: Some(404), example: Some("missing".into()), dynamic: None, delay: None }
        );
        assert_eq!(parse_with(&["respond-async", "code=201"], "/").unwrap().code, Some(201));
        assert_eq!(
            parse_with(&[], "/x?__example=big&__code=200").unwrap(),
            Prefer { code: Some(200), example: Some("big".into()), dynamic: None, delay: None }
        );
        assert_eq!(parse_with(&["wait=10"], "/").unwrap(), Prefer::default());
        assert_eq!(
            parse_with(&["delay=250"], "/").unwrap().delay,
            Some(std::time::Duration::from_millis(250))
        );
        assert_eq!(
            parse_with(&[], "/x?__delay=5").unwrap().delay,
            Some(std::time::Duration::from_millis(5))
        );
        assert!(matches!(parse_with(&["delay=soon"], "/"), Err(Failure::BadPrefer { .. })));
        assert!(matches!(parse_with(&["delay=600000"], "/"), Err(Failure::BadPrefer { .. })));
    }

    #[test]
    fn dynamic_reads_true_or_false_from_the_header_or_the_query() {
        assert_eq!(parse_with(&["dynamic=true"], "/").unwrap().dynamic, Some(true));
        assert_eq!(parse_with(&["code=200, dynamic=False"], "/").unwrap().dynamic, Some(false));
        assert_eq!(parse_with(&[], "/x?__dynamic=true").unwrap().dynamic, Some(true));
        assert_eq!(parse_with(&[], "/x").unwrap().dynamic, None);
        assert!(!parse_with(&["dynamic=true"], "/").unwrap().is_set(), "not a documented answer");
        assert!(matches!(parse_with(&["dynamic=yes"], "/"), Err(Failure::BadPrefer { .. })));
    }

    #[test]
    fn a_code_that_is_not_a_status_is_refused() {
        assert!(matches!(parse_with(&["code=abc"], "/"), Err(Failure::BadPrefer { .. })));
        assert!(matches!(parse_with(&["code=999"], "/"), Err(Failure::BadPrefer { .. })));
    }
}
