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
pub struct Client {
    pool: Pool<Connector, Full<Bytes>>,
    timeout: Duration,
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Received {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// Time from sending to the last byte.
    pub elapsed: Duration,
}

impl Client {
    /// A client whose requests give up after `timeout`.
    pub fn new(timeout: Duration) -> Client {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let pool = Pool::builder(TokioExecutor::new()).build(connector);
        Client { pool, timeout }
    }

    /// Sends a request; the error is a readable transport failure.
    pub async fn send(
        &self,
        method: &Method,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Received, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let mut request = http::Request::builder().method(method.clone()).uri(uri);
        let map = request.headers_mut().expect("the builder has no error yet");
        for (name, value) in headers {
            let name =
                HeaderName::try_from(name.as_str()).map_err(|e| format!("header `{name}`: {e}"))?;
            let value =
                HeaderValue::from_str(value).map_err(|e| format!("header `{name}`: {e}"))?;
            map.append(name, value);
        }
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let exchange = async {
            let response = self.pool.request(request).await.map_err(|e| describe(&e))?;
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| format!("reading the body failed: {e}"))?
                .to_bytes();
            Ok::<_, String>((parts, body))
        };
        let (parts, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| format!("no complete answer within {:?}", self.timeout))??;
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
