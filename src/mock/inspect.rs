//! What the dashboard shows of the catalog and the rate limiter, as admin JSON:
//! `GET /__understudy/apis` (every API, its versions, mounts, active scenario and the others,
//! tokens, limits, resources, and each operation with its URL, documented statuses and an
//! example body) and `GET /__understudy/limits` (the current count of every window, per
//! version and client).
//!
//! Read-only views of what the catalog already holds; `admin.rs` routes to them.

use serde_json::{Value, json};

use crate::catalog::{Api, Catalog, Version};
use crate::contract::Operation;
use crate::mock::limit::ClientKind;
use crate::mock::state::State;

/// `GET /apis`: everything the dashboard needs to know of the served APIs.
pub(crate) fn apis(catalog: &Catalog) -> Value {
    json!({"apis": catalog.apis.iter().map(api).collect::<Vec<_>>()})
}

fn api(api: &Api) -> Value {
    let default = api.default_version();
    let versions: Vec<Value> = api
        .versions
        .iter()
        .map(|version| describe(api, version, std::ptr::eq(version, default)))
        .collect();
    json!({
        "name": api.name,
        "mount": format!("{}{}", api.mount, default.contract.base_path),
        "default": default.key,
        "versions": versions,
    })
}

/// One version: where it answers, its contract files, scenarios and what they allow.
fn describe(api: &Api, version: &Version, default: bool) -> Value {
    let base = &version.contract.base_path;
    let own = match &version.name {
        Some(name) => format!("{}@{name}{base}", api.mount),
        None => format!("{}{base}", api.mount),
    };
    let mut mounts = vec![own.clone()];
    if default && version.name.is_some() {
        mounts.insert(0, format!("{}{base}", api.mount));
    }
    let scenario = &version.scenario;
    let tokens: Vec<Value> = scenario
        .tokens
        .iter()
        .flatten()
        .map(|(token, rules)| {
            json!({
                "token": token,
                "name": rules.name,
                "read_only": rules.read_only,
                "allow": rules.allow,
                "deny_status": rules.deny_status,
            })
        })
        .collect();
    let limits = scenario.limits.as_ref().map(|limits| {
        json!({
            "windows": limits.windows.iter().map(|w| json!({"requests": w.requests, "seconds": w.seconds})).collect::<Vec<_>>(),
            "headers": limits.headers.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        })
    });
    let resources: Vec<Value> = scenario
        .resources
        .iter()
        .map(|resource| {
            json!({
                "name": resource.name,
                "key": resource.key_field(),
                "parent": resource.parent.as_ref().map(|p| json!({"resource": p.resource, "field": p.field})),
                "write_only": resource.write_only.iter().map(|w| &w.field).collect::<Vec<_>>(),
                "schema": resource.schema,
            })
        })
        .collect();
    let operations: Vec<Value> =
        version.contract.operations.iter().map(|op| operation(version, &own, op)).collect();
    json!({
        "key": version.key,
        "name": version.name,
        "default": default,
        "description": version.description,
        "mounts": mounts,
        "contract": {
            "file": version.contract.file_name,
            "title": version.contract.title,
            "openapi": version.contract.version,
            "dialects": version.contracts.iter().map(|c| c.file_name.as_str()).collect::<Vec<_>>(),
        },
        "scenario": scenario.name,
        "scenarios": version.scenarios.values().map(|s| json!({"name": s.name, "description": s.description.trim()})).collect::<Vec<_>>(),
        "tokens": tokens,
        "limits": limits,
        "resources": resources,
        "operations": operations,
    })
}

/// One operation: its URL under `mount`, documented statuses, parameters, and the body to
/// start a "try it" from (the first valid example, else the generated sample).
fn operation(version: &Version, mount: &str, op: &Operation) -> Value {
    let body = op.body.as_ref().map(|body| {
        let first = body.content.first();
        let example = first.and_then(|media| {
            media
                .examples
                .iter()
                .find(|e| e.valid)
                .map(|e| e.value.clone())
                .or(media.sample.clone())
        });
        json!({
            "required": body.required,
            "media": body.content.iter().map(|m| m.media.as_str()).collect::<Vec<_>>(),
            "example": example,
        })
    });
    let behaviour = version.scenario.operations.get(&op.id);
    json!({
        "id": op.id,
        "method": op.method.as_str(),
        "path": op.path,
        "url": format!("{mount}{}", op.path),
        "statuses": op.documented_statuses(),
        "secured": !op.security.is_empty() && !op.security.iter().any(Vec::is_empty),
        "parameters": op.parameters.iter().map(|p| json!({"name": p.name, "in": p.location.as_str(), "required": p.required})).collect::<Vec<_>>(),
        "body": body,
        "action": behaviour.map(|b| b.action.as_str()),
        "resource": behaviour.map(|b| b.resource.as_str()),
    })
}

/// `GET /limits`: per version with limits, every client's count in each window. A client is
/// a token the scenario lists (shown as itself, with its name), another credential the
/// scenario accepts (by a short hash, never its text), or an address (requests without an
/// accepted credential): `kind` says which.
pub(crate) fn limits(state: &State) -> Value {
    let catalog = state.catalog();
    let mut out = serde_json::Map::new();
    for version in catalog.apis.iter().flat_map(|a| &a.versions) {
        let Some(limits) = &version.scenario.limits else { continue };
        let known = version.scenario.tokens.as_ref();
        let mut clients: Vec<(String, Value)> = state
            .limiter()
            .counts(&version.key, &limits.windows)
            .into_iter()
            .map(|(client, windows)| {
                let shown = state.limiter().label(client, known);
                let windows: Vec<Value> = windows
                    .iter()
                    .zip(&limits.windows)
                    .map(|((used, left), w)| {
                        json!({"requests": w.requests, "seconds": w.seconds, "used": used, "resets_in": left})
                    })
                    .collect();
                let mut count = json!({"client": shown.label, "kind": shown.kind.as_str(), "windows": windows});
                if shown.kind == ClientKind::Token
                    && let Some(name) = known.and_then(|t| t.get(&shown.label)).and_then(|t| t.name.as_ref())
                {
                    count["name"] = json!(name);
                }
                (shown.label, count)
            })
            .collect();
        clients.sort_by(|a, b| a.0.cmp(&b.0));
        let clients: Vec<Value> = clients.into_iter().map(|(_, count)| count).collect();
        out.insert(version.key.clone(), json!({"windows": limits.windows.iter().map(|w| json!({"requests": w.requests, "seconds": w.seconds})).collect::<Vec<_>>(), "clients": clients}));
    }
    Value::Object(out)
}
