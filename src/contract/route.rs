//! Path routing inside one API: `(method, path)` → operation and decoded path parameters.
//!
//! Templates are compiled once into a [`matchit`] router, which gives the precedence OpenAPI
//! asks for (a static segment beats a parameter). Parameter names are replaced by positional
//! ones before insertion, because two operations may name the same position differently
//! (`/items/{id}` and `/items/{itemId}/parts`), which matchit would call a conflict; the real
//! names are kept per operation. Templates matchit cannot hold (two parameters in one segment,
//! `/a/{x}-{y}`) fall back to a regular expression. Parameter values are percent-decoded after
//! matching, so an encoded `/` stays inside its segment and `%3D%3D` arrives as `==`.
//!
//! Mounting an API under `/<api>` and its server base path is the catalog's job; this module
//! sees only the path after both.

use http::Method;
use regex::Regex;

/// The routes of one API.
#[derive(Debug, Default)]
pub struct Router {
    inner: matchit::Router<usize>,
    fallbacks: Vec<(Regex, usize)>,
    routes: Vec<Route>,
}

#[derive(Debug)]
struct Route {
    /// The operations on this template: method, operation index, parameter names in order.
    methods: Vec<(Method, usize, Vec<String>)>,
}

/// The outcome of routing a request.
#[derive(Debug, PartialEq, Eq)]
pub enum RouteMatch {
    /// An operation matched.
    Found {
        /// Index of the operation in the contract.
        operation: usize,
        /// Decoded path parameters, by name.
        params: Vec<(String, String)>,
    },
    /// The path exists, with other methods.
    MethodNotAllowed {
        /// The methods the path accepts.
        allowed: Vec<Method>,
    },
    /// No template matches the path.
    NotFound,
}

/// The `{name}` parameters of a template, in order.
pub fn template_names(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        names.push(rest[start + 1..start + end].to_owned());
        rest = &rest[start + end + 1..];
    }
    names
}

/// Rewrites `{name}` to `{p0}`, `{p1}`... and escapes anything matchit treats specially.
fn positional(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut index = 0;
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&format!("{{p{index}}}"));
        index += 1;
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn template_regex(template: &str) -> Regex {
    let mut pattern = String::from("^");
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        pattern.push_str(&regex::escape(&rest[..start]));
        let Some(end) = rest[start..].find('}') else { break };
        pattern.push_str("([^/]+?)");
        rest = &rest[start + end + 1..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).expect("an escaped template is a valid regex")
}

impl Router {
    /// Builds a router from `(method, template)` pairs; the index of each pair is what
    /// [`RouteMatch::Found`] returns.
    pub fn new<'a>(operations: impl IntoIterator<Item = (&'a Method, &'a str)>) -> Self {
        let mut router = Router::default();
        let mut keys: Vec<String> = Vec::new();
        for (index, (method, template)) in operations.into_iter().enumerate() {
            let key = positional(template);
            let names = template_names(template);
            if let Some(route) = keys.iter().position(|k| *k == key) {
                router.routes[route].methods.push((method.clone(), index, names));
                continue;
            }
            let route = router.routes.len();
            router.routes.push(Route { methods: vec![(method.clone(), index, names)] });
            keys.push(key.clone());
            if router.inner.insert(key, route).is_err() {
                router.fallbacks.push((template_regex(template), route));
            }
        }
        router
    }

    /// Routes a raw (still percent-encoded) path. A path that matches only with its trailing
    /// slash added or removed matches too: clients disagree about them, vendors rarely care.
    pub fn route(&self, method: &Method, path: &str) -> RouteMatch {
        let found = self.lookup(path).or_else(|| {
            let toggled = match path.strip_suffix('/') {
                Some("") => return None,
                Some(stripped) => stripped.to_owned(),
                None => format!("{path}/"),
            };
            self.lookup(&toggled)
        });
        let Some((route, values)) = found else { return RouteMatch::NotFound };
        let route = &self.routes[route];
        let Some((_, operation, names)) = route.methods.iter().find(|(m, ..)| m == method) else {
            let mut allowed: Vec<Method> = route.methods.iter().map(|(m, ..)| m.clone()).collect();
            if allowed.contains(&Method::GET) && !allowed.contains(&Method::HEAD) {
                allowed.push(Method::HEAD);
            }
            // HEAD is served as GET without a body.
            if *method == Method::HEAD && allowed.contains(&Method::GET) {
                return self.route(&Method::GET, path);
            }
            return RouteMatch::MethodNotAllowed { allowed };
        };
        let params = names.iter().cloned().zip(values.into_iter().map(|v| decode(&v))).collect();
        RouteMatch::Found { operation: *operation, params }
    }

    fn lookup(&self, path: &str) -> Option<(usize, Vec<String>)> {
        if let Ok(found) = self.inner.at(path) {
            let values = found.params.iter().map(|(_, v)| v.to_owned()).collect();
            return Some((*found.value, values));
        }
        self.fallbacks.iter().find_map(|(regex, route)| {
            let captures = regex.captures(path)?;
            let values = captures.iter().skip(1).flatten().map(|m| m.as_str().to_owned()).collect();
            Some((*route, values))
        })
    }
}

/// Percent-decodes a path segment. Bytes that are not UTF-8 after decoding are replaced.
pub fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        let methods: Vec<(Method, &str)> =
            routes.iter().map(|(m, p)| (Method::from_bytes(m.as_bytes()).unwrap(), *p)).collect();
        Router::new(methods.iter().map(|(m, p)| (m, *p)))
    }

    #[test]
    fn static_segments_beat_parameters() {
        let r = router(&[
            ("GET", "/p/{id}/installations/{installation}"),
            ("GET", "/p/{id}/installations/self"),
        ]);
        assert_eq!(
            r.route(&Method::GET, "/p/abc/installations/self"),
            RouteMatch::Found { operation: 1, params: vec![("id".into(), "abc".into())] }
        );
        assert_eq!(
            r.route(&Method::GET, "/p/abc/installations/xyz"),
            RouteMatch::Found {
                operation: 0,
                params: vec![("id".into(), "abc".into()), ("installation".into(), "xyz".into())]
            }
        );
    }

    #[test]
    fn parameters_are_percent_decoded_after_matching() {
        let r = router(&[("PATCH", "/v2/integrations/{integration_id}")]);
        assert_eq!(
            r.route(&Method::PATCH, "/v2/integrations/TGxtSW50ZWdyYXRpb246MQ%3D%3D"),
            RouteMatch::Found {
                operation: 0,
                params: vec![("integration_id".into(), "TGxtSW50ZWdyYXRpb246MQ==".into())]
            }
        );
        // An encoded slash stays inside its segment.
        assert_eq!(
            r.route(&Method::PATCH, "/v2/integrations/a%2Fb"),
            RouteMatch::Found {
                operation: 0,
                params: vec![("integration_id".into(), "a/b".into())]
            }
        );
    }

    #[test]
    fn wrong_method_lists_the_allowed_ones() {
        let r = router(&[("GET", "/a/{x}"), ("DELETE", "/a/{y}")]);
        assert_eq!(
            r.route(&Method::PUT, "/a/1"),
            RouteMatch::MethodNotAllowed {
                allowed: vec![Method::GET, Method::DELETE, Method::HEAD]
            }
        );
        assert_eq!(
            r.route(&Method::DELETE, "/a/1"),
            RouteMatch::Found { operation: 1, params: vec![("y".into(), "1".into())] }
        );
        assert_eq!(r.route(&Method::GET, "/b"), RouteMatch::NotFound);
    }

    #[test]
    fn trailing_slash_is_forgiven_both_ways() {
        let r = router(&[("GET", "/api/v2/things/"), ("PATCH", "/api/v2/things/{id}")]);
        assert!(matches!(
            r.route(&Method::GET, "/api/v2/things"),
            RouteMatch::Found { operation: 0, .. }
        ));
        assert!(matches!(
            r.route(&Method::PATCH, "/api/v2/things/x/"),
            RouteMatch::Found { operation: 1, .. }
        ));
    }

    #[test]
    fn two_parameters_in_one_segment_use_the_fallback() {
        let r = router(&[("GET", "/files/{name}.{ext}")]);
        assert_eq!(
            r.route(&Method::GET, "/files/report.pdf"),
            RouteMatch::Found {
                operation: 0,
                params: vec![("name".into(), "report".into()), ("ext".into(), "pdf".into())]
            }
        );
    }

    #[test]
    fn head_is_answered_by_get() {
        let r = router(&[("GET", "/a")]);
        assert!(matches!(r.route(&Method::HEAD, "/a"), RouteMatch::Found { operation: 0, .. }));
    }
}
