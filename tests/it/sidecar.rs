//! understudy as a sidecar and on a laptop, through the real binary: configured by the
//! environment alone, stopped gracefully by SIGTERM, CORS for browsers, limits on bodies and
//! slow clients, a health command, and hot reload of scenario files.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::http;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_understudy"))
}

/// A port nothing listens on right now.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until the health route answers, or panics.
pub(crate) fn wait_healthy(address: SocketAddr) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if TcpStream::connect(address).is_ok()
            && http(address, "GET", "/__understudy/health", &[], "").0 == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("understudy did not come up on {address}");
}

/// Starts the binary with `args` and only the given environment (plus PATH), in a temp dir.
pub(crate) fn start(
    args: &[&str],
    envs: &[(&str, &str)],
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut command = binary();
    command
        .args(args)
        .env_clear()
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

pub(crate) fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

pub(crate) fn terminate(child: &Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

#[test]
fn started_with_only_understudy_variables_it_binds_where_they_say() {
    let port = free_port();
    let (child, _) = start(
        &["serve"],
        &[
            ("UNDERSTUDY_HOST", "127.0.0.1"),
            ("UNDERSTUDY_PORT", &port.to_string()),
            ("UNDERSTUDY_API__ARIZE__SCENARIO", "empty"),
        ],
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let (status, body) = http(
        address,
        "GET",
        "/arize/v2/integrations",
        &[("Authorization", "Bearer dev-token")],
        "",
    );
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"integrations":[],"pagination":{"has_more":false}}"#)
    );
    stop(child);
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits_0() {
    let port = free_port();
    let (child, _) = start(&["serve", "--port", &port.to_string(), "--grace-period", "8s"], &[]);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);

    // Arrange: a request that takes two seconds.
    let slow = std::thread::spawn(move || {
        http(
            address,
            "GET",
            "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
            &[("Authorization", "Bearer dev-token"), ("Prefer", "delay=2000")],
            "",
        )
    });
    std::thread::sleep(Duration::from_millis(400));

    // Act
    let signalled = Instant::now();
    terminate(&child);
    std::thread::sleep(Duration::from_millis(300));

    // Assert: new connections are refused, the slow request completes, the process exits 0.
    assert!(TcpStream::connect(address).is_err(), "a new connection was accepted after SIGTERM");
    let (status, body) = slow.join().unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"slack\""), "{body}");
    let mut child = child;
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(8),
            "not stopped within the grace period"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(exit.code(), Some(0));
}

#[test]
fn cors_preflights_get_204_with_the_origin_reflected_and_bodies_over_the_limit_get_413() {
    let port = free_port();
    let (child, _) = start(&["serve", "--port", &port.to_string()], &[]);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);

    let preflight = raw(
        address,
        "OPTIONS /arize/v2/integrations HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: authorization, content-type\r\nConnection: close\r\n\r\n",
    );
    assert!(preflight.starts_with("HTTP/1.1 204"), "{preflight}");
    let lower = preflight.to_ascii_lowercase();
    for header in [
        "access-control-allow-origin: http://localhost:5173",
        "access-control-allow-credentials: true",
        "access-control-allow-methods: post",
        "access-control-allow-headers: authorization, content-type",
    ] {
        assert!(lower.contains(header), "`{header}` missing:\n{preflight}");
    }
    let actual = raw(address, "GET /arize/v2/integrations HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\nAuthorization: Bearer dev-token\r\nConnection: close\r\n\r\n").to_ascii_lowercase();
    assert!(actual.contains("access-control-allow-origin: http://localhost:5173"), "{actual}");
    assert!(
        actual.contains("access-control-expose-headers:")
            && actual.contains("retry-after")
            && actual.contains("x-ratelimit-remaining"),
        "{actual}"
    );

    // One byte over 1 MiB: 413 in the API's own envelope.
    let body = format!("{{\"name\": \"{}\"}}", "x".repeat((1 << 20) - 11));
    assert_eq!(body.len(), (1 << 20) + 1);
    let (status, answer) = http(
        address,
        "POST",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        &[("Authorization", "Bearer dev-token"), ("Content-Type", "application/json")],
        &body,
    );
    assert_eq!(status, 413, "{answer}");
    let envelope: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(envelope["status"], 413);
    assert!(envelope["message"].as_str().unwrap().contains("1048576"), "{answer}");
    stop(child);
}

#[test]
fn cors_can_be_limited_to_listed_origins_or_switched_off() {
    let port = free_port();
    let (child, _) =
        start(&["serve", "--port", &port.to_string(), "--cors-origin", "http://app.test"], &[]);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let request = |origin: &str| {
        raw(address, &format!("OPTIONS /arize/v2/integrations HTTP/1.1\r\nHost: x\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n")).to_ascii_lowercase()
    };
    assert!(request("http://app.test").contains("access-control-allow-origin: http://app.test"));
    assert!(!request("http://evil.test").contains("access-control-allow-origin"));
    stop(child);

    let port = free_port();
    let (child, _) =
        start(&["serve", "--port", &port.to_string()], &[("UNDERSTUDY_CORS__ENABLED", "false")]);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let answer = raw(
        address,
        "OPTIONS /arize/v2/integrations HTTP/1.1\r\nHost: x\r\nOrigin: http://localhost:5173\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(!answer.to_ascii_lowercase().contains("access-control-allow-origin"), "{answer}");
    stop(child);
}

#[test]
fn a_client_sending_headers_one_byte_per_second_is_cut_off_by_the_header_timeout() {
    let port = free_port();
    let (child, _) = start(&["serve", "--port", &port.to_string(), "--header-timeout", "2s"], &[]);
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let started = Instant::now();
    let request = b"GET /__understudy/health HTTP/1.1\r\nHost: slowloris.test\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut closed = false;
    for byte in request {
        if stream.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        // Wait a second, noticing a close as soon as it happens.
        let second = Instant::now();
        let mut buffer = [0u8; 512];
        while second.elapsed() < Duration::from_secs(1) {
            match stream.read(&mut buffer) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(_) => {} // an error answer (408) before the close is fine
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        if closed {
            break;
        }
    }
    let elapsed = started.elapsed();
    assert!(closed, "the slow client was never cut off");
    assert!(
        elapsed < Duration::from_secs(5),
        "cut off after {elapsed:?}, beyond the 2 s header timeout"
    );
    assert!(elapsed >= Duration::from_millis(1500), "cut off too early: {elapsed:?}");
    stop(child);
}

#[test]
fn the_health_command_reports_and_exits_accordingly() {
    let port = free_port();
    let (child, _) = start(
        &["serve"],
        &[("UNDERSTUDY_HOST", "0.0.0.0"), ("UNDERSTUDY_PORT", &port.to_string())],
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    // As the container's HEALTHCHECK runs it: the same environment, no arguments.
    let output = binary()
        .arg("health")
        .env_clear()
        .env("UNDERSTUDY_HOST", "0.0.0.0")
        .env("UNDERSTUDY_PORT", port.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    stop(child);
    let output =
        binary().args(["health", "--url", &format!("http://127.0.0.1:{port}")]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("unhealthy"));
}

#[test]
fn a_global_latency_delays_every_answer_and_logs_can_be_json() {
    let port = free_port();
    let (child, logs) = start(
        &["serve", "--port", &port.to_string(), "--latency", "300ms", "--log-format", "json"],
        &[("RUST_LOG", "info")],
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let started = Instant::now();
    let (status, _) = http(
        address,
        "GET",
        "/ada/api/v2/platform-integrations/",
        &[("Authorization", "Bearer dev-token"), ("X-Understudy-Session", "s1")],
        "",
    );
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let line = std::iter::from_fn(|| logs.recv_timeout(Duration::from_secs(5)).ok())
        .find(|l| l.contains("\"operation\":\"listPlatformIntegrations\""))
        .expect("a JSON log line for the request");
    let entry: Value = serde_json::from_str(&line).unwrap();
    for key in ["api", "operation", "method", "path", "status", "ms", "session"] {
        assert!(entry.get(key).is_some(), "`{key}` missing from {line}");
    }
    assert_eq!(
        (entry["api"].clone(), entry["status"].clone(), entry["session"].clone()),
        (Value::from("ada"), Value::from(200), Value::from("s1"))
    );
    stop(child);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Polls until `check` holds (the reload is asynchronous), or fails after 15 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not happen within 15 s");
}

#[test]
fn watch_reloads_an_edited_scenario_keeping_the_data_and_survives_a_broken_edit() {
    // Arrange: editable scenarios, a record created before the edit.
    let dir: PathBuf =
        std::env::temp_dir().join(format!("understudy-watch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"), &dir);
    let port = free_port();
    let (child, logs) = start(
        &[
            "serve",
            "--port",
            &port.to_string(),
            "--watch",
            "--scenarios-dir",
            dir.to_str().unwrap(),
        ],
        &[("RUST_LOG", "info")],
    );
    let address: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_healthy(address);
    let auth = [("Authorization", "Bearer dev-token"), ("Content-Type", "application/json")];
    let (status, _) = http(
        address,
        "POST",
        "/arize/v2/integrations",
        &auth,
        r#"{"type": "LLM", "name": "Kept", "config": {"provider": "OPEN_AI", "api_key": "k"}}"#,
    );
    assert_eq!(status, 201);
    let missing = "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246OTk%3D";

    // Act: change the not-found message (of Arize's default version, `current`).
    let file = dir.join("arize/current/default.yaml");
    let original = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        original.replace(
            "not-found: \"{{item}} {{id}} not found.\"",
            "not-found: \"Reloaded: no integration {{id}}.\"",
        ),
    )
    .unwrap();

    // Assert: the next answers use it, and the record made before is still there.
    eventually("the edited message", || {
        http(address, "GET", missing, &auth, "").1.contains("Reloaded: no integration")
    });
    let (_, list) = http(address, "GET", "/arize/v2/integrations?name=kept", &auth, "");
    assert!(list.contains("\"Kept\""), "the store lost its data: {list}");

    // A broken edit: serving goes on with the last good scenarios, and the log names the file.
    std::fs::write(&file, "errors: [unclosed\n").unwrap();
    let error = std::iter::from_fn(|| logs.recv_timeout(Duration::from_secs(15)).ok())
        .find(|l| l.contains("reload failed"))
        .expect("a reload error in the log");
    assert!(error.contains("arize/current/default.yaml") && error.contains("line"), "{error}");
    let (status, body) = http(address, "GET", missing, &auth, "");
    assert_eq!(status, 404);
    assert!(body.contains("Reloaded: no integration"), "{body}");
    stop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends raw request bytes and reads the whole answer.
fn raw(address: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}
