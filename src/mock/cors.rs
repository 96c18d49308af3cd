//! Cross-origin requests: a browser app on another origin (`http://localhost:5173`) may call
//! the mock, with credentials, and read the headers a client needs.
//!
//! tower-http's [`CorsLayer`] does the work: the origin reflected (or checked against a list),
//! methods and headers of a preflight mirrored, `Location`, `Retry-After`, `Allow`,
//! `WWW-Authenticate` and the rate-limit headers exposed to scripts. [`PreflightLayer`] turns
//! the 200 it answers a preflight with into 204 No Content, as browsers and most servers
//! expect of an answer without a body.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, StatusCode};
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
