//! understudy's own routes under `/__understudy/`.
//!
//! `GET /__understudy/health` answers `{"status": "ok", ...}` with the served APIs and where
//! they are mounted: what a container health check or a test's start-up wait polls.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::respond::Reply;
use crate::service::{ADMIN_PREFIX, App};

/// Answers an admin request.
pub fn handle(app: &App, method: &Method, path: &str) -> Reply {
    let route = path.strip_prefix(ADMIN_PREFIX).unwrap_or_default().trim_end_matches('/');
    match (method, route) {
        (&Method::GET | &Method::HEAD, "/health") => health(app),
        (_, "/health") => error(StatusCode::METHOD_NOT_ALLOWED, "use GET /__understudy/health"),
        _ => error(
            StatusCode::NOT_FOUND,
            &format!("no admin route {path}; try GET {ADMIN_PREFIX}/health"),
        ),
    }
}

fn health(app: &App) -> Reply {
    let apis: Vec<Value> = app
        .catalog()
        .apis
        .iter()
        .map(|api| {
            json!({
                "name": api.name,
                "mount": format!("{}{}", api.mount, api.contract.base_path),
                "contract": api.contract.file_name,
                "scenario": api.scenario.name,
                "operations": api.contract.operations.len(),
            })
        })
        .collect();
    Reply::json(
        StatusCode::OK,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "apis": apis}),
        "application/json",
    )
}

fn error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, json!({"error": message}), "application/json")
}
