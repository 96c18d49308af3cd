//! understudy's own routes under `/__understudy/`.
//!
//! ```text
//! GET    /__understudy/health                     {"status": "ok", "apis": [...]} (always open)
//! POST   /__understudy/reset[?api=A[&session=S]]  back to the seed: everything, one API, one session
//! GET    /__understudy/state[?api=A[&session=S][&secrets=true]]
//!                                                 {"A": {"S": {"collections": ..., "counters": ...}}},
//!                                                 secrets hidden unless `secrets=true`
//! PUT    /__understudy/state                      the same shape, loaded back (sessions replaced;
//!                                                 every record checked first: 400 listing the
//!                                                 violations, nothing loaded)
//! GET    /__understudy/journal[?api=&session=&operation=&method=&status=&since=&limit=]
//! DELETE /__understudy/journal
//! GET    /__understudy/journal/stream[?since=N&api=...]  the journal as server-sent events (stream.rs)
//! GET    /__understudy/scenario/A                 the active scenario and the others
//! PUT    /__understudy/scenario/A                 {"scenario": "empty"}: switch, and reset A's data
//! PUT    /__understudy/version/A                  {"version": "2026-07-10"}: A's default version
//! PUT    /__understudy/state/A/S/R/K              one record, checked against the contract (edit.rs)
//! DELETE /__understudy/state/A/S/R/K              remove one record
//! GET    /__understudy/apis                       APIs, versions, mounts, scenarios, tokens, operations (inspect.rs)
//! GET    /__understudy/limits                     every rate-limit window's count, per client (inspect.rs)
//! GET    /__understudy/  (Accept: text/html)      the dashboard, one page holding all it runs (dashboard.rs)
//! ```
//!
//! With an admin token configured, every route but health and the dashboard's page needs
//! `Authorization: Bearer <it>`.
//! Answers are plain JSON (`{"error": ...}` on failure): these routes belong to understudy,
//! not to any vendor.

use std::collections::BTreeMap;

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::catalog::{Api, Version};
use crate::mock::journal::Query;
use crate::mock::records;
use crate::mock::respond::Reply;
use crate::mock::state::State;
use crate::mock::store::Data;
use crate::mock::{Body, RequestBody};
use crate::request::{ADMIN_PREFIX, Authorization, ReadError, Request};

/// Reads an admin request (body limits and timeout as for the APIs) and answers it.
pub(crate) async fn answer(
    state: &State,
    request: http::Request<RequestBody>,
) -> http::Response<Body> {
    let method = request.method().clone();
    let version =
        request.extensions().get::<crate::server::ClientAddress>().map(|_| request.version());
    let settings = state.settings();
    let timeout = settings.request_timeout;
    let reply = match Request::read(request, settings.body_limit, timeout).await {
        Ok(request) => match request.check_head(version) {
            Ok(()) if !settings.cors.admin && !same_origin(&request) => error(
                StatusCode::FORBIDDEN,
                "the admin routes answer only pages of their own origin (set cors.admin to allow others)",
            ),
            Ok(()) => match live(state, &request) {
                Live::Stream(response) => return response,
                Live::Refused(reply) => reply,
                Live::Elsewhere => handle(state, &request),
            },
            Err(problem) => error(StatusCode::BAD_REQUEST, &problem.to_string()),
        },
        Err(failed) => match failed.0 {
            ReadError::TooLarge { .. } => {
                error(StatusCode::PAYLOAD_TOO_LARGE, "the admin request body is too large")
            }
            ReadError::TimedOut => error(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the admin request body did not arrive within {timeout:?}"),
            ),
            ReadError::Io(_) => {
                error(StatusCode::BAD_REQUEST, "the admin request body could not be read")
            }
        },
    };
    reply.into_http(&method).map(Body::from)
}

/// The admin path without the prefix and a trailing `/` (`""` for the dashboard's page).
fn route_of(request: &Request) -> &str {
    request.path.strip_prefix(ADMIN_PREFIX).unwrap_or_default().trim_end_matches('/')
}

/// What `GET /journal/stream` answers.
enum Live {
    /// The stream.
    Stream(http::Response<Body>),
    /// A refusal (method, token, filters).
    Refused(Reply),
    /// Another route.
    Elsewhere,
}

/// `GET /journal/stream`: the live journal.
fn live(app: &State, request: &Request) -> Live {
    if route_of(request) != "/journal/stream" {
        return Live::Elsewhere;
    }
    if request.method != Method::GET {
        return Live::Refused(not_allowed("GET"));
    }
    if let Some(refused) = unauthorized(app, request) {
        return Live::Refused(refused);
    }
    let query: BTreeMap<String, String> = request.query_pairs().iter().cloned().collect();
    let (query, since) = match journal_query(&query) {
        Ok(found) => found,
        Err(problem) => return Live::Refused(error(StatusCode::BAD_REQUEST, &problem)),
    };
    let body = crate::mock::stream::journal(app, query, since.unwrap_or(0));
    let mut response = http::Response::new(body);
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/event-stream"));
    headers.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    // Proxies that buffer (nginx) would hold the events back.
    headers.insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    Live::Stream(response)
}

/// The 401 for a request without the admin token, when one is set.
fn unauthorized(app: &State, request: &Request) -> Option<Reply> {
    let token = app.settings().admin_token.as_ref()?;
    let presented = match request.authorization() {
        Authorization::Credential { scheme, token } if scheme.eq_ignore_ascii_case("bearer") => {
            Some(token)
        }
        _ => None,
    };
    if presented.is_some_and(|presented| same(presented.as_bytes(), token.as_bytes())) {
        return None;
    }
    let mut reply = error(
        StatusCode::UNAUTHORIZED,
        "the admin routes need `Authorization: Bearer <admin token>`",
    );
    reply.insert_header("www-authenticate", "Bearer");
    Some(reply)
}

/// Answers an admin request.
fn handle(app: &State, request: &Request) -> Reply {
    let route = route_of(request);
    let method = &request.method;
    if route == "/health" {
        return match *method {
            Method::GET | Method::HEAD => health(app),
            _ => not_allowed("GET"),
        };
    }
    // The page holds no data: no token needed to load it.
    if let Some(reply) = crate::mock::dashboard::answer(route, request) {
        return reply;
    }
    if let Some(refused) = unauthorized(app, request) {
        return refused;
    }
    if let Some(rest) = route.strip_prefix("/state/") {
        return crate::mock::edit::answer(app, request, rest);
    }
    let query: BTreeMap<String, String> = request.query_pairs().iter().cloned().collect();
    let api = query.get("api").map(String::as_str);
    let session = query.get("session").map(String::as_str);
    if let Some(api) = api
        && app.catalog().versions(api).is_none()
    {
        return error(StatusCode::NOT_FOUND, &format!("no API `{api}`"));
    }
    if session.is_some() && api.is_none() {
        return error(StatusCode::BAD_REQUEST, "`session` needs `api`");
    }
    if session.is_some_and(|s| !crate::request::is_session_name(s.as_bytes())) {
        return error(
            StatusCode::BAD_REQUEST,
            "`session` must be 1 to 64 of the characters A-Z a-z 0-9 . _ ~ -",
        );
    }
    match (route, method) {
        ("/reset", &Method::POST) => {
            app.reset(api, session);
            Reply::json(
                StatusCode::OK,
                json!({"reset": {"api": api, "session": session}}),
                "application/json",
            )
        }
        ("/reset", _) => not_allowed("POST"),
        ("/state", &Method::GET) => {
            let keys = api.map(|api| app.keys(api));
            let mut dump = app.store().dump(keys.as_deref(), session);
            // Secrets stay hidden unless asked for (a backup to load back needs them).
            if query.get("secrets").map(String::as_str) != Some("true") {
                hide_secrets(app, &mut dump);
            }
            Reply::json(
                StatusCode::OK,
                serde_json::to_value(dump).unwrap_or_default(),
                "application/json",
            )
        }
        ("/state", &Method::PUT) => load_state(app, request),
        ("/state", _) => not_allowed("GET, PUT"),
        ("/journal", &Method::GET) => journal(app, &query),
        ("/journal", &Method::DELETE) => {
            app.journal().clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("/journal", _) => not_allowed("GET, DELETE"),
        ("/apis", &Method::GET) => Reply::json(
            StatusCode::OK,
            crate::mock::inspect::apis(&app.catalog()),
            "application/json",
        ),
        ("/apis", _) => not_allowed("GET"),
        ("/limits", &Method::GET) => {
            Reply::json(StatusCode::OK, crate::mock::inspect::limits(app), "application/json")
        }
        ("/limits", _) => not_allowed("GET"),
        (route, method) if route.starts_with("/version/") => {
            let name = &route["/version/".len()..];
            match *method {
                Method::PUT => switch_version(app, name, request),
                _ => not_allowed("PUT"),
            }
        }
        (route, method) if route.starts_with("/scenario/") => {
            let name = &route["/scenario/".len()..];
            match *method {
                Method::GET => scenario(app, name),
                Method::PUT => switch(app, name, request),
                _ => not_allowed("GET, PUT"),
            }
        }
        _ => error(
            StatusCode::NOT_FOUND,
            &format!(
                "no admin route {} {}; see GET {ADMIN_PREFIX}/health",
                request.method, request.path
            ),
        ),
    }
}

fn health(app: &State) -> Reply {
    let catalog = app.catalog();
    let apis: Vec<Value> = catalog.apis.iter().map(describe).collect();
    Reply::json(
        StatusCode::OK,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "apis": apis}),
        "application/json",
    )
}

/// An API for `health`: its default version's mount, contract and scenario, and, when it has
/// versions, each of them (its mount, how its clients are recognised, what it is).
fn describe(api: &Api) -> Value {
    let default = api.default_version();
    let mut described = json!({
        "name": api.name,
        "mount": format!("{}{}", api.mount, default.contract.base_path),
        "contract": default.contract.file_name,
        "scenario": default.scenario.name,
        "operations": default.contract.operations.len(),
    });
    if default.name.is_some() {
        let versions: Vec<Value> = api
            .versions
            .iter()
            .map(|version| {
                let name = version.name.as_deref().unwrap_or_default();
                json!({
                    "name": name,
                    "key": version.key,
                    "default": std::ptr::eq(version, default),
                    "mount": format!("{}@{name}{}", api.mount, version.contract.base_path),
                    "contract": version.contract.file_name,
                    "dialects": version.contracts.iter().map(|c| c.file_name.as_str()).collect::<Vec<_>>(),
                    "scenario": version.scenario.name,
                    "clients": version.clients.describe(),
                    "description": version.description,
                })
            })
            .collect();
        described["version"] = json!(default.name);
        described["versions"] = Value::Array(versions);
    }
    described
}

/// Hides the stored secrets of a dump: each resource's write-only fields and every
/// secret-looking field.
fn hide_secrets(app: &State, dump: &mut BTreeMap<String, BTreeMap<String, Data>>) {
    let catalog = app.catalog();
    for (key, sessions) in dump.iter_mut() {
        let version = catalog.apis.iter().flat_map(|a| &a.versions).find(|v| &v.key == key);
        for data in sessions.values_mut() {
            for (name, records) in data.collections.iter_mut() {
                let hidden: Vec<String> = version
                    .and_then(|v| v.scenario.resource(name))
                    .map(|r| r.write_only.iter().map(|w| w.field.clone()).collect())
                    .unwrap_or_default();
                for record in records.values_mut() {
                    crate::json::secret::redact(record, &hidden);
                }
            }
        }
    }
}

/// `PUT /state`: `{api: {session: {"collections": {resource: {key: record}}, "counters": {}}}}`.
/// Every record is checked against the contract before anything is loaded
/// (`records::check_state`): a document with any violation is refused whole, with a 400 that
/// lists them, and changes nothing.
fn load_state(app: &State, request: &Request) -> Reply {
    let document: BTreeMap<String, BTreeMap<String, Data>> = match serde_json::from_slice(
        &request.body,
    ) {
        Ok(document) => document,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "expected {{api: {{session: {{\"collections\": {{resource: {{key: record}}}}, \"counters\": {{}}}}}}}}: {e}"
                ),
            );
        }
    };
    // One catalog for the check and the load: a reload in between cannot slip a record past.
    let catalog = app.catalog();
    let violations = records::check_state(&catalog, &document);
    if !violations.is_empty() {
        let count = violations.len();
        let listed: Vec<_> = violations.into_iter().take(records::LISTED).collect();
        let shown = match count > listed.len() {
            true => format!(" (the first {} listed)", listed.len()),
            false => String::new(),
        };
        return Reply::json(
            StatusCode::BAD_REQUEST,
            json!({
                "error": format!("the state breaks the contract in {count} place{}{shown}; nothing was loaded", if count == 1 { "" } else { "s" }),
                "count": count,
                "violations": listed,
            }),
            "application/json",
        );
    }
    let mut loaded = Vec::new();
    for (api, sessions) in document {
        let Some(version) = catalog.apis.iter().flat_map(|a| &a.versions).find(|v| v.key == api)
        else {
            continue;
        };
        for (session, data) in sessions {
            app.store().load(&api, &session, &version.scenario, data);
            loaded.push(json!({"api": api, "session": session}));
        }
    }
    Reply::json(StatusCode::OK, json!({"loaded": loaded}), "application/json")
}

fn journal(app: &State, query: &BTreeMap<String, String>) -> Reply {
    let query = match journal_query(query) {
        Ok((query, _)) => query,
        Err(problem) => return error(StatusCode::BAD_REQUEST, &problem),
    };
    let entries = app.journal().entries(&query);
    Reply::json(StatusCode::OK, json!({"entries": entries}), "application/json")
}

/// The journal's filters from the query string, and `since` (or what is wrong with them).
fn journal_query(query: &BTreeMap<String, String>) -> Result<(Query, Option<u64>), String> {
    let number = |name: &str| {
        query.get(name).map(|v| v.parse::<u64>().map_err(|_| name.to_owned())).transpose()
    };
    let (status, since, limit) = match (number("status"), number("since"), number("limit")) {
        (Ok(status), Ok(since), Ok(limit)) => (status, since, limit),
        (Err(name), ..) | (_, Err(name), _) | (.., Err(name)) => {
            return Err(format!("`{name}` must be a number"));
        }
    };
    if status.is_some_and(|s| !(100..=599).contains(&s)) {
        return Err("`status` must be an HTTP status (100 to 599)".to_owned());
    }
    let query = Query {
        api: query.get("api").cloned(),
        session: query.get("session").cloned(),
        operation: query.get("operation").cloned(),
        method: query.get("method").cloned(),
        status: status.and_then(|s| u16::try_from(s).ok()),
        since,
        limit: Some(limit.map_or(100, |l| l as usize)),
    };
    Ok((query, since))
}

/// `GET /scenario/A`: the active scenario and the others, of `api` (its default version, and
/// each version) or of `api@version`.
fn scenario(app: &State, api: &str) -> Reply {
    let catalog = app.catalog();
    let (Some(entry), Some(versions)) = (catalog.version(api), catalog.versions(api)) else {
        return error(StatusCode::NOT_FOUND, &format!("no API `{api}`"));
    };
    let scenarios = |version: &Version| -> Vec<Value> {
        version
            .scenarios
            .values()
            .map(|s| json!({"name": s.name, "description": s.description.trim()}))
            .collect()
    };
    let mut answer =
        json!({"api": api, "active": entry.scenario.name, "scenarios": scenarios(entry)});
    if entry.name.is_some() {
        let each: Vec<Value> = versions
            .iter()
            .map(|v| json!({"version": v.name, "active": v.scenario.name, "scenarios": scenarios(v)}))
            .collect();
        answer["versions"] = Value::Array(each);
    }
    Reply::json(StatusCode::OK, answer, "application/json")
}

fn switch(app: &State, api: &str, request: &Request) -> Reply {
    let wanted = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|v| v.get("scenario").and_then(Value::as_str).map(str::to_owned));
    let Some(wanted) = wanted else {
        return error(StatusCode::BAD_REQUEST, "send {\"scenario\": \"<name>\"}");
    };
    match app.switch_scenario(api, &wanted) {
        Ok(()) => {
            tracing::info!(api, scenario = %wanted, "scenario switched; the API's data was reset");
            Reply::json(StatusCode::OK, json!({"api": api, "active": wanted}), "application/json")
        }
        Err(problem) => error(StatusCode::NOT_FOUND, &problem.to_string()),
    }
}

/// `PUT /version/A` `{"version": "2026-07-10"}`: the default version of A from now on.
fn switch_version(app: &State, api: &str, request: &Request) -> Reply {
    let wanted = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|v| v.get("version").and_then(Value::as_str).map(str::to_owned));
    let Some(wanted) = wanted else {
        return error(StatusCode::BAD_REQUEST, "send {\"version\": \"<name>\"}");
    };
    match app.switch_version(api, &wanted) {
        Ok(()) => {
            tracing::info!(api, version = %wanted, "default version switched");
            Reply::json(StatusCode::OK, json!({"api": api, "default": wanted}), "application/json")
        }
        Err(problem) => error(StatusCode::NOT_FOUND, &problem.to_string()),
    }
}

/// Whether a request comes from no browser page (no `Origin`), or from a page of the admin
/// API's own origin (`Origin` naming the `Host` it was sent to). A page of another origin may
/// not even send a "simple" request that changes state (`POST /reset` needs no preflight).
fn same_origin(request: &Request) -> bool {
    let Some(origin) = request.header("origin") else { return true };
    let authority = origin.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    request.header("host").is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

/// Whether two secrets are equal, in a time that depends on their lengths only (a token
/// compared byte by byte, stopping at the first difference, tells a timing attacker how much of
/// a guess was right).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn not_allowed(allowed: &str) -> Reply {
    let mut reply = error(StatusCode::METHOD_NOT_ALLOWED, &format!("use {allowed}"));
    reply.insert_header("allow", allowed);
    reply
}

/// An admin error: `{"error": message}`.
fn error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, json!({"error": message}), "application/json")
}
