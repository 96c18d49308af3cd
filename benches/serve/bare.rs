//! The baseline: a bare hyper 1.x server that reads each request's body and answers every
//! request with the same JSON document, of the size of understudy's GitBook list answer
//! (about 3.7 KB). It runs with the same Tokio runtime settings as `understudy serve`
//! (`Runtime::new()`: multi-threaded, one worker per core) and in a process of its own, like
//! understudy; the harness starts it by running its own executable with `bare-server PORT`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;

/// A JSON list of integrations, about as long as understudy's GitBook list answer.
pub(crate) fn body() -> Bytes {
    let items: Vec<_> = (0..8)
        .map(|i| {
            json!({
                "object": "integration",
                "name": format!("integration-{i}"),
                "version": 47,
                "title": format!("Integration number {i}"),
                "description": "Get notified when content changes and search your docs from any channel.",
                "target": "space",
                "verified": true,
                "visibility": "public",
                "scopes": ["space:content:read", "space:metadata:read"],
                "urls": {
                    "location": format!("https://api.example.com/v1/integrations/integration-{i}"),
                    "icon": format!("https://integrations.example.com/v1/integrations/integration-{i}/icon.png"),
                },
            })
        })
        .collect();
    Bytes::from(serde_json::to_vec(&json!({"items": items, "count": 8})).expect("serializes"))
}

/// Serves on `127.0.0.1:port` until killed.
pub(crate) fn serve(port: u16) {
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on port {port}: {e}"));
        let body = body();
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let body = body.clone();
                    async move {
                        // Read the request body, as any server that looks at it must.
                        let _ = request.into_body().collect().await;
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body))
                                .expect("a valid response"),
                        )
                    }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
}
