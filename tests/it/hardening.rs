//! Bounded under abuse (issue 13): connections that send nothing or idle, and a stop that is
//! asked for twice, through the real binary.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::sidecar::{free_port, start, stop, terminate, wait_healthy};
use crate::util::http;

fn address(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

// See: #13 (1). Four silent sockets used to hold the four slots forever.
#[test]
fn silent_connections_are_closed_after_the_header_timeout_and_lock_nobody_out() {
    let port = free_port();
    let (child, _logs) = start(
        &["serve", "--port", &port.to_string(), "--max-connections", "4", "--header-timeout", "1s"],
        &[],
    );
    wait_healthy(address(port));
    let silent: Vec<TcpStream> =
        (0..4).map(|_| TcpStream::connect(address(port)).unwrap()).collect();
    let started = Instant::now();
    let (status, _) = http(address(port), "GET", "/__understudy/health", &[], "");
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(5), "answered after {:?}", started.elapsed());
    // The silent ones were closed by the server.
    for mut socket in silent {
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buffer = [0u8; 16];
        assert_eq!(socket.read(&mut buffer).unwrap_or(0), 0, "closed");
    }
    stop(child);
}

#[test]
fn a_kept_alive_connection_with_nothing_in_flight_is_closed_when_idle() {
    let port = free_port();
    let (child, _logs) =
        start(&["serve", "--port", &port.to_string(), "--idle-timeout", "1s"], &[]);
    wait_healthy(address(port));
    let mut socket = TcpStream::connect(address(port)).unwrap();
    socket.write_all(b"GET /__understudy/health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buffer = [0u8; 4096];
    let read = socket.read(&mut buffer).unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    assert_eq!(socket.read(&mut buffer).unwrap_or(0), 0, "closed when idle");
    assert!(started.elapsed() < Duration::from_secs(4), "closed after {:?}", started.elapsed());
    stop(child);
}

// See: #13 (10). A second SIGTERM used to be ignored, and the exit code was 0 either way.
#[test]
fn a_second_sigterm_stops_at_once_and_the_exit_code_says_requests_were_cut_off() {
    let port = free_port();
    let (mut child, _logs) = start(&["serve", "--port", &port.to_string()], &[]);
    wait_healthy(address(port));
    let slow = std::thread::spawn(move || {
        http(
            address(port),
            "GET",
            "/ada/api/v2/platform-integrations/",
            &[("Authorization", "Bearer dev-token"), ("Prefer", "delay=20000")],
            "",
        )
    });
    std::thread::sleep(Duration::from_millis(500));
    terminate(&child);
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    terminate(&child);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
    drop(slow);
}

// See: #13 (5). A non-ASCII session name used to fall back to the shared session.
#[tokio::test]
async fn a_session_name_understudy_does_not_take_is_a_400_in_the_apis_envelope() {
    let app = crate::util::app(crate::util::Dialect::V31);
    let path = "/ada/api/v2/platform-integrations/";
    for bad in ["été", "with space", &"x".repeat(65)] {
        let headers = [("authorization", "Bearer dev-token"), ("x-understudy-session", bad)];
        let answer = crate::util::call(&app, "GET", path, &headers, None).await;
        let message = crate::util::assert_envelope("ada", &answer, 400);
        assert!(message.contains("X-Understudy-Session"), "{message}");
    }
    let ok = [("authorization", "Bearer dev-token"), ("x-understudy-session", "alice.1~b_c-d")];
    assert_eq!(crate::util::call(&app, "GET", path, &ok, None).await.status, 200);
    let admin = crate::util::call(
        &app,
        "GET",
        "/__understudy/state?api=ada&session=%C3%A9t%C3%A9",
        &[],
        None,
    )
    .await;
    assert_eq!(admin.status, 400, "{}", admin.text);
}

// See: #13 (10). HTTP/1.1 without Host (or with two) used to be answered 200.
#[tokio::test]
async fn an_http_1_1_request_without_exactly_one_host_is_a_400() {
    let server = crate::util::TestServer::start(crate::util::app(crate::util::Dialect::V31)).await;
    let address = server.address;
    let answers = tokio::task::spawn_blocking(move || {
        ["", "Host: a\r\nHost: b\r\n", "Host: a\r\n"]
            .map(|host| {
                let mut socket = TcpStream::connect(address).unwrap();
                let request = format!(
                    "GET /teable/api/space/spcTeSYe43VZTSG4Uu3/integration HTTP/1.1\r\n{host}Authorization: Bearer dev-token\r\nConnection: close\r\n\r\n"
                );
                socket.write_all(request.as_bytes()).unwrap();
                let mut text = String::new();
                socket.read_to_string(&mut text).unwrap();
                text.lines().next().unwrap_or_default().to_owned()
            })
    })
    .await
    .unwrap();
    server.stop().await;
    assert_eq!(answers[0], "HTTP/1.1 400 Bad Request");
    assert_eq!(answers[1], "HTTP/1.1 400 Bad Request");
    assert_eq!(answers[2], "HTTP/1.1 200 OK");
}

// See: #13 (8). `UNDERSTUDY_CHECK_TOKEN`, advertised by `check --help`, made `serve` and
// `health` exit 2 with "unknown field `check_token`".
#[test]
fn variables_of_other_commands_never_break_serve_or_health() {
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_understudy"))
        .args(["serve", "--print-config"])
        .env("UNDERSTUDY_CHECK_TOKEN", "secret")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let port = free_port();
    let (child, _logs) =
        start(&["serve", "--port", &port.to_string()], &[("UNDERSTUDY_CHECK_TOKEN", "secret")]);
    wait_healthy(address(port));
    let health = std::process::Command::new(env!("CARGO_BIN_EXE_understudy"))
        .args(["health", "--url", &format!("http://127.0.0.1:{port}")])
        .env("UNDERSTUDY_CHECK_TOKEN", "secret")
        .output()
        .unwrap();
    assert!(health.status.success(), "{}", String::from_utf8_lossy(&health.stdout));
    // A typo is still an error.
    let typo = std::process::Command::new(env!("CARGO_BIN_EXE_understudy"))
        .args(["serve", "--print-config"])
        .env("UNDERSTUDY_PROT", "1")
        .output()
        .unwrap();
    assert_eq!(typo.status.code(), Some(2));
    stop(child);
}

// See: #13 (9). A second `check` against the same server used to fail (Teable 3, Ada 4 cases).
#[test]
fn every_bundled_suite_passes_twice_in_a_row_on_one_server() {
    let port = free_port();
    let (child, _logs) = start(&["serve", "--port", &port.to_string()], &[]);
    wait_healthy(address(port));
    for round in 0..2 {
        for api in ["teable", "arize", "gitbook", "ada"] {
            let checked = std::process::Command::new(env!("CARGO_BIN_EXE_understudy"))
                .args([
                    "check",
                    "--api",
                    api,
                    "--target",
                    &format!("http://127.0.0.1:{port}/{api}"),
                ])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&checked.stdout);
            assert!(checked.status.success(), "round {round}, {api}: {text}");
        }
    }
    stop(child);
}

// See: #13 (10). Bad journal filters were ignored; `bearer` was refused for the admin token;
// logs written to a file carried ANSI colour codes.
#[test]
fn journal_filters_are_checked_the_admin_scheme_is_case_insensitive_and_file_logs_are_plain() {
    let port = free_port();
    let (child, logs) = start(
        &["serve", "--port", &port.to_string(), "--admin-token", "t0ken"],
        &[("RUST_LOG", "info")],
    );
    wait_healthy(address(port));
    let admin = [("Authorization", "bearer t0ken")];
    let (status, body) =
        http(address(port), "GET", "/__understudy/journal?status=99999", &admin, "");
    assert_eq!(status, 400, "{body}");
    let (status, _) = http(address(port), "GET", "/__understudy/journal?status=200", &admin, "");
    assert_eq!(status, 200);
    let (status, _) = http(
        address(port),
        "GET",
        "/__understudy/journal",
        &[("Authorization", "Bearer t0kem")],
        "",
    );
    assert_eq!(status, 401);
    http(
        address(port),
        "GET",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        &[("Authorization", "Bearer dev-token")],
        "",
    );
    let line = std::iter::from_fn(|| logs.recv_timeout(Duration::from_secs(5)).ok())
        .find(|l| l.contains("getIntegrationList"))
        .expect("a log line for the request");
    assert!(!line.contains('\u{1b}'), "no ANSI codes: {line:?}");
    stop(child);
}

// See: #13 (2). The journal and the state dump showed Arize `api_key`s and Ada
// `client_secret`s in clear, `X-Api-Key` headers and `?api_key=` unmasked.
#[tokio::test]
async fn the_journal_and_the_state_dump_hide_secrets_unless_asked() {
    let app = crate::util::app(crate::util::Dialect::V31);
    let body = r#"{"type": "llm", "name": "Secretive", "config": {"provider": "openAI", "api_key": "sk-very-secret"}}"#;
    let headers = [
        ("authorization", "Bearer dev-token"),
        ("content-type", "application/json"),
        ("x-api-key", "header-secret"),
    ];
    let created = crate::util::call(
        &app,
        "POST",
        "/arize@2026-07-10/v2/integrations?api_key=query-secret",
        &headers,
        Some(body),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);

    let journal = crate::util::call(&app, "GET", "/__understudy/journal?limit=1", &[], None).await;
    for secret in ["sk-very-secret", "header-secret", "query-secret", "dev-token"] {
        assert!(!journal.text.contains(secret), "{secret} in {}", journal.text);
    }
    assert!(journal.text.contains("‹redacted›"), "{}", journal.text);

    let state = crate::util::call(&app, "GET", "/__understudy/state?api=arize", &[], None).await;
    assert!(
        !state.text.contains("sk-very-secret") && state.text.contains("‹redacted›"),
        "{}",
        state.text
    );
    let backup =
        crate::util::call(&app, "GET", "/__understudy/state?api=arize&secrets=true", &[], None)
            .await;
    assert!(backup.text.contains("sk-very-secret"), "a backup keeps them");
}

// See: #13 (2). CORS reflected every origin, with credentials, on `/__understudy/*` too.
#[tokio::test]
async fn pages_of_other_origins_cannot_read_or_change_the_admin_api() {
    let server = crate::util::TestServer::start(crate::util::app(crate::util::Dialect::V31)).await;
    let address = server.address;
    let (preflight, other, own, mock) = tokio::task::spawn_blocking(move || {
        let raw = |request: String| {
            let mut socket = TcpStream::connect(address).unwrap();
            socket.write_all(request.as_bytes()).unwrap();
            let mut text = String::new();
            socket.read_to_string(&mut text).unwrap();
            text
        };
        let preflight = raw(format!(
            "OPTIONS /__understudy/state HTTP/1.1\r\nHost: {address}\r\nOrigin: http://evil.test\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
        ));
        let other = raw(format!(
            "POST /__understudy/reset HTTP/1.1\r\nHost: {address}\r\nOrigin: http://evil.test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        let own = raw(format!(
            "POST /__understudy/reset HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        ));
        let mock = raw(format!(
            "OPTIONS /teable/api/space/x/integration HTTP/1.1\r\nHost: {address}\r\nOrigin: http://app.test\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
        ));
        (preflight, other, own, mock)
    })
    .await
    .unwrap();
    server.stop().await;
    assert!(!preflight.to_ascii_lowercase().contains("access-control-allow-origin"), "{preflight}");
    assert!(other.starts_with("HTTP/1.1 403"), "{other}");
    assert!(own.starts_with("HTTP/1.1 200"), "{own}");
    assert!(
        mock.to_ascii_lowercase().contains("access-control-allow-origin: http://app.test"),
        "{mock}"
    );
}

// === Integrity (issue 13, 6 and 7 and 10): state, rollback, reloads, numbers ===

/// The state of the ledger fixture's default session, secrets and counters included.
async fn ledger_state(app: &understudy::App) -> serde_json::Value {
    let state = crate::util::call(
        app,
        "GET",
        "/__understudy/state?api=ledger&session=default&secrets=true",
        &[],
        None,
    )
    .await;
    assert_eq!(state.status, 200, "{}", state.text);
    state.json
}

/// A request to the ledger fixture with a JSON body.
async fn ledger(
    app: &understudy::App,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> crate::util::Answer {
    let headers: &[(&str, &str)] =
        if body.is_some() { &[("content-type", "application/json")] } else { &[] };
    crate::util::call(app, method, &format!("/ledger/v1{path}"), headers, body).await
}

// See: #13 (6). A write whose answer failed the self-check was answered 500 but kept, so every
// later read of the session answered 500 too.
#[tokio::test]
async fn a_write_whose_answer_fails_the_self_check_leaves_the_store_as_it_was() {
    // Arrange: the session exists, and its data (counters included) is noted.
    let app = crate::util::fixture_app("integrity");
    assert_eq!(ledger(&app, "GET", "/entries", None).await.status, 200);
    let before = ledger_state(&app).await;

    // Act: a create and an update whose answers break the contract (titles over 12
    // characters are accepted by the request schema, not by the answer's).
    let long = r#"{"title": "A title far too long to answer"}"#;
    let created = ledger(&app, "POST", "/entries", Some(long)).await;
    let updated = ledger(&app, "PATCH", "/entries/entry_1", Some(long)).await;

    // Assert: both are 500s naming the violation, in the API's envelope, and nothing changed.
    for answer in [&created, &updated] {
        assert_eq!(answer.status, 500, "{}", answer.text);
        let reason = answer.json["fault"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains("self-check") && reason.contains("/title"), "{}", answer.text);
    }
    assert_eq!(ledger_state(&app).await, before, "the failed writes left a trace");
    // The journal says which step refused them, and why.
    let journal = crate::util::call(&app, "GET", "/__understudy/journal?limit=1", &[], None).await;
    let newest = &journal.json["entries"][0];
    assert_eq!(newest["step"], "self-check", "{}", journal.text);
    assert!(newest["why"]["violations"][0]["pointer"].as_str().is_some(), "{}", journal.text);
    let list = ledger(&app, "GET", "/entries", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json.as_array().map(Vec::len), Some(2), "{}", list.text);
    let rent = ledger(&app, "GET", "/entries/entry_1", None).await;
    assert_eq!((rent.status.as_u16(), &rent.json["title"]), (200, &serde_json::json!("Rent")));
    // The id sequence did not move: the next good create gets the id the failed one had.
    let good = ledger(&app, "POST", "/entries", Some(r#"{"title": "Books"}"#)).await;
    assert_eq!(good.status, 201, "{}", good.text);
    assert_eq!(good.json["id"], "entry_3");
}

// See: #13 (6). `PUT /__understudy/state` accepted records that break the contract, and every
// later read of them answered 500.
#[tokio::test]
async fn a_state_document_breaking_the_contract_is_refused_whole_listing_every_violation() {
    // Arrange: the session exists; one good record and four bad ones in one document.
    let app = crate::util::fixture_app("integrity");
    assert_eq!(ledger(&app, "GET", "/entries", None).await.status, 200);
    let before = ledger_state(&app).await;
    let document = serde_json::json!({"ledger": {"default": {"collections": {
        "entries": {
            "entry_5": {"id": "entry_5", "title": "Fine", "created": "2026-01-05T00:00:00Z"},
            "entry_1": {"id": "entry_1", "title": "Far too long a title", "created": "2026-01-01T00:00:00Z"},
            "entry_2": {"id": "entry_2", "title": "Coffee", "amount": "three"},
            "entry_9": {"id": "entry_8", "title": "Moved", "created": "2026-01-09T00:00:00Z"}
        },
        "tags": {"verylongtag": {"name": "verylongtag", "uses": 1}}
    }, "counters": {"entries": 9}}}});

    // Act
    let answer = crate::util::call(
        &app,
        "PUT",
        "/__understudy/state",
        &[("content-type", "application/json")],
        Some(&document.to_string()),
    )
    .await;

    // Assert: 400, every violation with where it is, and nothing loaded.
    assert_eq!(answer.status, 400, "{}", answer.text);
    let listed: Vec<(String, String)> = answer.json["violations"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|v| {
            assert_eq!((&v["api"], &v["session"]), (&"ledger".into(), &"default".into()), "{v}");
            let at = format!("{}/{}", v["resource"].as_str().unwrap(), v["key"].as_str().unwrap());
            (at, v["pointer"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [
        ("entries/entry_1", "/title"),
        ("entries/entry_2", "/amount"),
        ("entries/entry_2", ""),
        ("entries/entry_9", "/id"),
        ("tags/verylongtag", "/name"),
    ];
    for (at, pointer) in expected {
        assert!(
            listed.iter().any(|(a, p)| a == at && p == pointer),
            "{at} {pointer} missing from {}",
            answer.text
        );
    }
    assert_eq!(listed.len(), expected.len(), "{}", answer.text);
    assert_eq!(answer.json["count"], expected.len());
    assert_eq!(ledger_state(&app).await, before, "a refused document changed the state");

    // The same check, for one record, as an editor of records calls it.
    let catalog = app.state().catalog();
    let version = catalog.version("ledger").unwrap();
    let record = serde_json::json!({"id": "entry_1", "title": "Far too long a title"});
    let problems = understudy::mock::records::check_record(version, "entries", "entry_1", &record);
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(pointers, ["", "/title"], "{problems:?}");
    let fine =
        serde_json::json!({"id": "entry_1", "title": "Rent", "created": "2026-01-01T00:00:00Z"});
    assert!(
        understudy::mock::records::check_record(version, "entries", "entry_1", &fine).is_empty()
    );
}

/// The lines `logs` gives within `within`.
fn lines_for(logs: &std::sync::mpsc::Receiver<String>, within: Duration) -> Vec<String> {
    let until = Instant::now() + within;
    let mut lines = Vec::new();
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match logs.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => break,
        }
    }
    lines
}

fn count(lines: &[String], text: &str) -> usize {
    lines.iter().filter(|l| l.contains(text)).count()
}

// See: #13 (7). `serve --watch` reloaded 26 times in 6 s on untouched files (its own reads set
// off the next reload), and logged a broken edit's error 4 times a second.
#[test]
fn watch_reloads_once_per_change_of_contents_and_logs_a_broken_edit_once() {
    // Arrange: the ledger fixture in a folder of its own, served with --watch.
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/integrity");
    let dir = std::env::temp_dir().join(format!("understudy-watch-once-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for file in ["contracts/ledger/openapi.yaml", "scenarios/ledger/default.yaml"] {
        std::fs::create_dir_all(dir.join(file).parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(file), dir.join(file)).unwrap();
    }
    let scenario = dir.join("scenarios/ledger/default.yaml");
    let original = std::fs::read_to_string(&scenario).unwrap();
    let port = free_port();
    let (child, logs) = start(
        &[
            "serve",
            "--port",
            &port.to_string(),
            "--api",
            "ledger",
            "--watch",
            "--contracts",
            dir.join("contracts").to_str().unwrap(),
            "--scenarios-dir",
            dir.join("scenarios").to_str().unwrap(),
        ],
        &[("RUST_LOG", "info")],
    );
    wait_healthy(address(port));
    let missing = |marker: &str| {
        let (status, body) = http(address(port), "GET", "/ledger/v1/entries/entry_99", &[], "");
        status == 404 && body.contains(marker)
    };

    // Untouched files, then a file saved unchanged: no reload.
    let mut seen = lines_for(&logs, Duration::from_secs(3));
    std::fs::write(&scenario, &original).unwrap();
    seen.extend(lines_for(&logs, Duration::from_secs(2)));
    assert_eq!(count(&seen, "reloading"), 0, "{seen:#?}");

    // One edit: one reload, and the new scenario answers.
    std::fs::write(
        &scenario,
        original.replace("reason: \"{{message}}\"", "reason: \"Edited: {{message}}\""),
    )
    .unwrap();
    let seen = lines_for(&logs, Duration::from_secs(3));
    assert_eq!(count(&seen, "files changed; reloading"), 1, "{seen:#?}");
    assert_eq!(count(&seen, "reloaded"), 1, "{seen:#?}");
    assert!(missing("Edited: "), "the edit is not served");

    // A broken edit: logged once, however long it stays broken; the last good files serve on.
    std::fs::write(&scenario, "errors: [unclosed\n").unwrap();
    let seen = lines_for(&logs, Duration::from_secs(3));
    assert_eq!(count(&seen, "reload failed"), 1, "{seen:#?}");
    assert!(missing("Edited: "));

    // Fixed: reloaded.
    std::fs::write(&scenario, &original).unwrap();
    let seen = lines_for(&logs, Duration::from_secs(3));
    assert_eq!(count(&seen, "reloaded"), 1, "{seen:#?}");
    assert!(missing("\"reason\""), "the original scenario is back");
    assert!(!missing("Edited: "));
    stop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

// See: #13 (10). Integers beyond 64 bits were rounded when stored and echoed
// (`123456789012345678901234567890` came back as `1.2345678901234568e29`).
#[tokio::test]
async fn numbers_beyond_64_bits_round_trip_exactly_through_create_and_read() {
    let app = crate::util::fixture_app("integrity");
    let big = "123456789012345678901234567890";
    let pi = "3.14159265358979323846264338327950288";
    let body = format!(r#"{{"title": "Big", "amount": {big}, "ratio": {pi}}}"#);
    let created = ledger(&app, "POST", "/entries", Some(&body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let read = ledger(&app, "GET", &format!("/entries/{id}"), None).await;
    let state = ledger_state(&app).await.to_string();
    for text in [&created.text, &read.text, &state] {
        assert!(text.contains(&format!(r#""amount":{big}"#)), "{text}");
        assert!(text.contains(&format!(r#""ratio":{pi}"#)), "{text}");
    }
}

// See: #13 (10) and the corpus (Swagger Petstore, `petId: -9223372036854775809`): `format:
// int32/int64` ranges were not checked, and such integers were stored as floats.
#[tokio::test]
async fn an_integer_out_of_its_int32_or_int64_range_is_a_400_in_the_apis_envelope() {
    let app = crate::util::fixture_app("integrity");
    for (field, value) in [
        ("count", "9223372036854775808"),
        ("count", "-9223372036854775809"),
        ("count", "123456789012345678901234567890"),
        ("small", "2147483648"),
        ("small", "-2147483649"),
    ] {
        let body = format!(r#"{{"title": "Out", "{field}": {value}}}"#);
        let answer = ledger(&app, "POST", "/entries", Some(&body)).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        assert_eq!(answer.json["fault"]["status"], 400, "{}", answer.text);
        let reason = answer.json["fault"]["reason"].as_str().unwrap_or_default();
        assert!(reason.contains(field) && reason.contains(value), "{}", answer.text);
    }
    let edges = r#"{"title": "Edges", "count": -9223372036854775808, "small": 2147483647}"#;
    let answer = ledger(&app, "POST", "/entries", Some(edges)).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert!(answer.text.contains("-9223372036854775808") && answer.text.contains("2147483647"));

    // The corpus's case: the Swagger Petstore served with no scenario.
    let app = crate::util::document_app("tests/corpus/petstore.json");
    let order = r#"{"petId": -9223372036854775809, "quantity": 1}"#;
    let headers = [("content-type", "application/json")];
    let answer =
        crate::util::call(&app, "POST", "/petstore/v2/store/order", &headers, Some(order)).await;
    assert_eq!(answer.status, 400, "{}", answer.text);
}

// === Bounds on what grows with traffic (#13, 3 and 4) ===

const ARIZE: &str = "/arize@2026-07-10/v2/integrations";

/// A service over the embedded catalog with these session bounds and settings.
pub(crate) fn bounded_app(
    sessions: understudy::mock::store::SessionLimits,
    settings: understudy::Settings,
) -> understudy::App {
    let options = understudy::StoreOptions { seed: Some(13), sessions, ..Default::default() };
    understudy::App::new(
        crate::util::catalog(crate::util::Dialect::V31),
        understudy::Store::new(options),
        settings,
    )
}

/// An Arize create of an integration named `name`, in `session` (`None`: `default`).
pub(crate) async fn create_named(
    app: &understudy::App,
    session: Option<&str>,
    name: &str,
) -> crate::util::Answer {
    let body = serde_json::json!({
        "type": "llm", "name": name, "config": {"provider": "openAI", "api_key": "k"}
    });
    let body = body.to_string();
    crate::util::call_as(app, Some("dev-token"), session, "POST", ARIZE, Some(&body)).await
}

/// How many integrations `session` sees (the first page holds them all here).
pub(crate) async fn integrations(app: &understudy::App, session: Option<&str>) -> usize {
    let path = format!("{ARIZE}?limit=100");
    let answer = crate::util::call_as(app, Some("dev-token"), session, "GET", &path, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["integrations"].as_array().map_or(0, Vec::len)
}

// See: #13 (3). 10,000 sessions took RSS from 23 MiB to 1.2 GiB: none was ever dropped.
#[tokio::test]
async fn the_1001st_session_evicts_the_least_recently_used_one_and_default_is_never_evicted() {
    let app = bounded_app(Default::default(), Default::default());
    let seeded = integrations(&app, Some("probe")).await;
    app.state().store().reset(None, None);
    for session in [None, Some("s0"), Some("s1")] {
        assert_eq!(create_named(&app, session, "Kept").await.status, 201);
    }
    for n in 2..1000 {
        integrations(&app, Some(&format!("s{n}"))).await;
    }
    // `s0` used again: `s1` is now the least recently used of the 1,000.
    assert_eq!(integrations(&app, Some("s0")).await, seeded + 1);
    integrations(&app, Some("s1000")).await;
    // 1,000 sessions and `default` (counted per API version used: one here).
    assert_eq!(app.state().store().session_count(), 1001);
    assert_eq!(integrations(&app, Some("s0")).await, seeded + 1, "recently used: kept");
    assert_eq!(integrations(&app, None).await, seeded + 1, "`default` is never evicted");
    assert_eq!(integrations(&app, Some("s1")).await, seeded, "evicted: starts from its seed");
}

// See: #13 (3).
#[tokio::test]
async fn a_session_idle_longer_than_the_limit_starts_again_from_its_seed() {
    // Wide margins: the machine running the tests may be busy.
    let idle = Duration::from_secs(2);
    let limits = understudy::mock::store::SessionLimits { max: 100, idle: Some(idle) };
    let app = bounded_app(limits, Default::default());
    let seeded = integrations(&app, Some("probe")).await;
    for session in [None, Some("busy"), Some("idle")] {
        assert_eq!(create_named(&app, session, "Mine").await.status, 201);
    }
    for _ in 0..6 {
        tokio::time::sleep(idle / 5).await;
        assert_eq!(integrations(&app, Some("busy")).await, seeded + 1, "used: kept");
    }
    assert_eq!(integrations(&app, Some("idle")).await, seeded, "idle too long: from its seed");
    assert_eq!(integrations(&app, None).await, seeded + 1, "`default` never goes idle");
}

// See: #13 (4). A create scanned every record under the one store lock; the index that
// replaced the scan must be right after eviction and after a state load too.
#[tokio::test]
async fn uniqueness_is_still_enforced_after_eviction_and_after_a_state_load() {
    let limits = understudy::mock::store::SessionLimits { max: 2, idle: None };
    let app = bounded_app(limits, Default::default());
    let s = Some("unique");
    assert_eq!(create_named(&app, s, "Taken").await.status, 201);
    assert_eq!(create_named(&app, s, "Taken").await.status, 409);
    // Evicted by two other sessions, then seeded again: the name is free, then taken again.
    integrations(&app, Some("other1")).await;
    integrations(&app, Some("other2")).await;
    assert_eq!(create_named(&app, s, "Taken").await.status, 201, "evicted with its records");
    assert_eq!(create_named(&app, s, "Taken").await.status, 409);
    // Dumped, reset, loaded back: the loaded records are indexed.
    let dump = crate::util::call(&app, "GET", "/__understudy/state?secrets=true", &[], None).await;
    app.state().store().reset(None, None);
    assert_eq!(create_named(&app, s, "Other").await.status, 201);
    let loaded = crate::util::call(&app, "PUT", "/__understudy/state", &[], Some(&dump.text)).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    assert_eq!(create_named(&app, s, "Taken").await.status, 409, "loaded records count");
    assert_eq!(create_named(&app, s, "Other").await.status, 201, "the replaced data does not");
    // A rename onto the taken name clashes too; once the holder is deleted, the name is free.
    let path = format!("{ARIZE}?limit=100");
    let list = crate::util::call_as(&app, Some("dev-token"), s, "GET", &path, None).await;
    let id_of = |name: &str| {
        list.json["integrations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let (taken, other) = (id_of("Taken"), id_of("Other"));
    let rename = r#"{"type": "llm", "name": "Taken"}"#;
    let renamed = crate::util::call_as(
        &app,
        Some("dev-token"),
        s,
        "PATCH",
        &format!("{ARIZE}/{other}"),
        Some(rename),
    )
    .await;
    assert_eq!(renamed.status, 409, "{}", renamed.text);
    let deleted = crate::util::call_as(
        &app,
        Some("dev-token"),
        s,
        "DELETE",
        &format!("{ARIZE}/{taken}"),
        None,
    )
    .await;
    assert!(deleted.status.is_success(), "{}", deleted.text);
    let renamed = crate::util::call_as(
        &app,
        Some("dev-token"),
        s,
        "PATCH",
        &format!("{ARIZE}/{other}"),
        Some(rename),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
}

// See: #13 (3). 1,000 requests with distinct 200 KB bogus tokens grew RSS by 377 MiB: each
// bogus token got a counter of its own, kept forever.
#[tokio::test]
async fn bogus_tokens_share_their_addresss_counter_and_the_limiter_stays_bounded() {
    let app = crate::util::app_with_scenario("gitbook", "rate-limited");
    let server = crate::util::TestServer::start(app.clone()).await;
    let address = server.address;
    let statuses = tokio::task::spawn_blocking(move || {
        (0..8)
            .map(|n| {
                let bogus = format!("Bearer bogus-{n}-{}", "x".repeat(100_000));
                let path = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
                crate::util::http(address, "GET", path, &[("Authorization", &bogus)], "").0
            })
            .collect::<Vec<u16>>()
    })
    .await
    .unwrap();
    server.stop().await;
    // Five a minute per client: the bogus tokens are one client, the address they came from.
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    assert_eq!(app.state().limiter().counters("gitbook"), 1);
    // And a token the scenario knows still has a counter of its own.
    let answer = crate::util::authed(
        &app,
        "GET",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
        None,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(app.state().limiter().counters("gitbook"), 2);
}

// See: #13 (3). 1,000 rejected 1 MiB bodies grew RSS by 1 GiB: the journal was capped in
// entries only, and kept every body whole.
#[tokio::test]
async fn the_journal_byte_cap_holds_with_megabyte_bodies_and_cut_bodies_carry_the_marker() {
    let journal = understudy::mock::journal::JournalLimits { entries: 1000, bytes: 2 << 20 };
    let settings = understudy::Settings { journal, body_limit: 2 << 20, ..Default::default() };
    let app = bounded_app(Default::default(), settings);
    let body = serde_json::json!({"type": "nope", "name": "n".repeat(1 << 20)}).to_string();
    for _ in 0..40 {
        let answer =
            crate::util::call_as(&app, Some("dev-token"), None, "POST", ARIZE, Some(&body)).await;
        assert_eq!(answer.status, 400);
        let (_, bytes) = app.state().journal().usage();
        assert!(bytes <= journal.bytes, "{bytes}");
    }
    let (entries, _) = app.state().journal().usage();
    assert!((20..40).contains(&entries), "the byte cap decides, not the entry cap: {entries}");
    let shown = crate::util::call(&app, "GET", "/__understudy/journal?limit=1", &[], None).await;
    let newest = &shown.json["entries"][0];
    let request = &newest["request"];
    assert_eq!(request["truncated"]["size"], body.len());
    assert_eq!(request["truncated"]["kept"], 64 << 10);
    let text = request["body"].as_str().unwrap();
    assert!(
        text.ends_with(&format!("bytes, the first {} shown]", 64 << 10)),
        "{}",
        &text[text.len() - 80..]
    );
    assert!(text.contains(&format!("truncated by understudy: {} bytes", body.len())));
    // The entry keeps its shape: everything a reader of the journal used is still there.
    for field in ["seq", "time", "api", "session", "operation", "request", "response", "ms"] {
        assert!(newest.get(field).is_some(), "{field}");
    }
    assert_eq!(newest["response"]["status"], 400);
}
