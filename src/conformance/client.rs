//! A small HTTP client for the conformance runner and the recorder: HTTP/1.1 (and HTTP/2 when
//! a TLS server offers it) over plain TCP or TLS (rustls with the webpki roots, so a real
//! vendor's `https://` endpoint works from a bare container), one timeout per request.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A pooled client. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pool: Pool<Connector, Full<Bytes>>,
    timeout: Duration,
    /// Headers every request carries unless it sets them itself.
    extra: Vec<(String, String)>,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// The status.
    pub(crate) status: u16,
    /// The headers.
    pub(crate) headers: HeaderMap,
    /// The body.
    pub(crate) body: Bytes,
    /// Time from sending to the last byte.
    pub(crate) elapsed: Duration,
}

/// Why a request got no complete answer. The text is whole, causes included, because it goes
/// as it is into a case's outcome and into the recorder's 502 answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    /// The URL does not parse.
    #[error("`{url}` is not a URL: {error}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        error: http::uri::InvalidUri,
    },
    /// A header name is not one HTTP allows.
    #[error("header `{name}`: {error}")]
    BadHeaderName {
        /// The name.
        name: String,
        /// Why.
        error: http::header::InvalidHeaderName,
    },
    /// A header value is not one HTTP allows.
    #[error("header `{name}`: {error}")]
    BadHeaderValue {
        /// The header's name.
        name: String,
        /// Why.
        error: http::header::InvalidHeaderValue,
    },
    /// The request could not be put together.
    #[error("{0}")]
    Request(http::Error),
    /// The connection or the exchange failed.
    #[error("{}", describe(.0))]
    Transport(hyper_util::client::legacy::Error),
    /// The body broke off.
    #[error("reading the body failed: {0}")]
    Body(hyper::Error),
    /// No complete answer in time.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
}

impl Client {
    /// A client whose requests give up after `timeout`.
    pub(crate) fn new(timeout: Duration) -> Client {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let pool = Pool::builder(TokioExecutor::new()).build(connector);
        Client { pool, timeout, extra: Vec::new() }
    }

    /// The same client, adding `headers` to every request that does not set them itself.
    pub(crate) fn with_headers(mut self, headers: &[(String, String)]) -> Client {
        self.extra = headers.to_vec();
        self
    }

    /// Sends a request; the error is a readable transport failure.
    pub(crate) async fn send(
        &self,
        method: &Method,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Received, SendError> {
        let uri: http::Uri =
            url.parse().map_err(|error| SendError::BadUrl { url: url.to_owned(), error })?;
        let mut request = http::Request::builder().method(method.clone()).uri(uri);
        let map = request.headers_mut().expect("the builder has no error yet");
        let own = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        let extra = self.extra.iter().filter(|(name, _)| !own(name));
        for (name, value) in headers.iter().chain(extra) {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|error| SendError::BadHeaderName { name: name.clone(), error })?;
            let value = HeaderValue::from_str(value).map_err(|error| {
                SendError::BadHeaderValue { name: name.as_str().to_owned(), error }
            })?;
            map.append(name, value);
        }
        let request = request.body(Full::new(body)).map_err(SendError::Request)?;
        let started = Instant::now();
        let exchange = async {
            let response = self.pool.request(request).await.map_err(SendError::Transport)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(SendError::Body)?.to_bytes();
            Ok::<_, SendError>((parts, body))
        };
        let (parts, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| SendError::Timeout(self.timeout))??;
        Ok(Received {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

/// A transport error with its causes, the way a person wants to read it.
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
