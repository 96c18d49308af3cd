//! Cross-origin requests: a browser app on another origin (`http://localhost:5173`) may call
//! the mock, with credentials, and read the headers a client needs.
//!
//! tower-http's [`CorsLayer`] does the work: the origin reflected (or checked against a list),
//! methods and headers of a preflight mirrored, `Location`, `Retry-After`, `Allow`,
//! `WWW-Authenticate` and the rate-limit headers exposed to scripts. [`PreflightLayer`] turns
//! the 200 it answers a preflight with into 204 No Content, as browsers and most servers
//! expect of an answer without a body.
//!
//! A request without `Origin` (curl, an SDK, a test: no browser sent it across origins) needs
//! no decision, yet the layer would build and merge its header maps for it all the same, about
//! 4 % of a cached GET's CPU. Such a request skips the layer ([`skips_the_layer`]) and its
//! answer gets the headers the layer gives every answer to one (`Vary`, and with the settings
//! `Access-Control-Allow-Credentials` and `-Expose-Headers`), found once by asking the layer
//! itself ([`without_origin`]) and added the way it adds them ([`add_without_origin`]).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

/// Cross-origin settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Whether browsers on other origins may call understudy.
    pub enabled: bool,
    /// Origins allowed; empty: any origin, reflected.
    pub origins: Vec<String>,
    /// Whether cookies and credentials may be sent.
    pub credentials: bool,
    /// Whether the admin routes (`/__understudy/...`) answer other origins too (off: only
    /// their own origin may use them).
    pub admin: bool,
}

impl Default for CorsConfig {
    fn default() -> Self {
        CorsConfig { enabled: true, origins: Vec::new(), credentials: true, admin: false }
    }
}

/// Response headers a browser script may read on a cross-origin answer.
const EXPOSED: &[&str] = &[
    "location",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "allow",
    "www-authenticate",
];

/// The CORS layer for the settings (`None` when CORS is off).
pub fn layer(settings: &CorsConfig) -> Option<CorsLayer> {
    if !settings.enabled {
        return None;
    }
    let origin = if settings.origins.is_empty() {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::list(settings.origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let exposed: Vec<HeaderName> = EXPOSED.iter().map(|h| HeaderName::from_static(h)).collect();
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_credentials(settings.credentials)
            .allow_methods(AllowMethods::mirror_request())
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers(exposed)
            .max_age(Duration::from_secs(600)),
    )
}

/// Whether a request may skip the CORS layer: it has no `Origin` and is not an `OPTIONS`
/// request (the layer answers a preflight itself, `Origin` or not).
pub fn skips_the_layer<B>(request: &http::Request<B>) -> bool {
    request.method() != Method::OPTIONS && !request.headers().contains_key(header::ORIGIN)
}

/// The headers `layer` adds to the answer of a request that [`skips_the_layer`], found by
/// sending it one (they depend on the settings alone, not on the request); `None` if the
/// layer did not answer at once, which it does around a service that does.
pub fn without_origin(layer: &CorsLayer) -> Option<HeaderMap> {
    let answer = |_: http::Request<()>| async { Ok::<_, Infallible>(http::Response::new(())) };
    let mut service = layer.layer(tower::service_fn(answer));
    match at_once(service.call(http::Request::new(()))) {
        Some(Ok(response)) => Some(response.headers().clone()),
        _ => None,
    }
}

/// The output of a future that is ready when first polled (`None` if it is not).
fn at_once<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(std::task::Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Adds [`without_origin`]'s headers to an answer as the layer does: `Vary` after the answer's
/// own, the others in place of any the answer has.
pub fn add_without_origin(added: &HeaderMap, headers: &mut HeaderMap) {
    for name in added.keys() {
        if name != header::VARY {
            headers.remove(name);
        }
    }
    for (name, value) in added {
        headers.append(name, value.clone());
    }
}

/// Wraps a service so that an answered CORS preflight is 204 No Content.
#[derive(Debug, Clone, Copy, Default)]
pub struct PreflightLayer;

impl<S> Layer<S> for PreflightLayer {
    type Service = PreflightNoContent<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PreflightNoContent(inner)
    }
}

/// Turns the 200 tower-http gives an answered CORS preflight into 204 No Content.
#[derive(Debug, Clone)]
pub struct PreflightNoContent<S>(S);

impl<S, B, R> Service<http::Request<B>> for PreflightNoContent<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let preflight = request.method() == Method::OPTIONS
            && request.headers().contains_key("access-control-request-method");
        let future = self.0.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            if preflight
                && response.status() == StatusCode::OK
                && response.headers().contains_key("access-control-allow-origin")
            {
                *response.status_mut() = StatusCode::NO_CONTENT;
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    /// An answer that already has a `Vary` and one of the headers the layer sets.
    fn answer() -> http::Response<()> {
        let mut response = http::Response::new(());
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept"));
        let exposed = header::ACCESS_CONTROL_EXPOSE_HEADERS;
        response.headers_mut().insert(exposed, HeaderValue::from_static("x-own"));
        response
    }

    #[rstest]
    #[case::defaults(CorsConfig::default())]
    #[case::without_credentials(CorsConfig { credentials: false, ..CorsConfig::default() })]
    #[case::with_an_origin_list(CorsConfig {
        origins: vec!["http://localhost:5173".into()],
        ..CorsConfig::default()
    })]
    fn an_answer_without_origin_gets_the_headers_the_layer_would_give_it(
        #[case] settings: CorsConfig,
    ) {
        let layer = layer(&settings).unwrap();
        let mut service =
            layer.layer(tower::service_fn(|_| async { Ok::<_, Infallible>(answer()) }));
        let request = http::Request::get("/teable/api/space/x/integration").body(()).unwrap();
        assert!(skips_the_layer(&request));
        let Some(Ok(through)) = at_once(service.call(request)) else {
            panic!("the layer did not answer at once");
        };
        let added = without_origin(&layer).unwrap();
        assert!(added.contains_key(header::VARY), "{added:?}");
        let mut skipped = answer();
        add_without_origin(&added, skipped.headers_mut());
        assert_eq!(skipped.headers(), through.headers());
    }

    #[test]
    fn requests_with_an_origin_and_options_requests_go_through_the_layer() {
        let with_origin =
            http::Request::get("/").header("origin", "http://localhost:5173").body(()).unwrap();
        let options = http::Request::options("/").body(()).unwrap();
        assert!(!skips_the_layer(&with_origin));
        assert!(!skips_the_layer(&options));
    }
}
