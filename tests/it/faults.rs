//! Canned answers and faults (`respond`), delays that hold no lock, and deterministic ids and
//! clocks (`--seed`, `--clock`).

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::Value;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{
    Dialect, TOKEN, TestServer, app_with_scenario, assert_envelope, authed, call, catalog,
};

const LIST: &str = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration";
const ITEM: &str = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";

#[tokio::test]
async fn a_canned_fault_answers_in_the_envelope_and_only_when_asked() {
    let app = app_with_scenario("teable", "faults");
    let answer =
        call(&app, "GET", LIST, &[("authorization", TOKEN), ("x-understudy-fault", "error")], None)
            .await;
    assert_envelope("teable", &answer, 500);
    assert_eq!(answer.json["code"], "internal_server_error");
    let answer = call(
        &app,
        "GET",
        LIST,
        &[("authorization", TOKEN), ("x-understudy-fault", "unavailable")],
        None,
    )
    .await;
    assert_envelope("teable", &answer, 503);
    assert_eq!(authed(&app, "GET", LIST, None).await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn a_slow_answer_waits_without_holding_the_store() {
    let app = app_with_scenario("teable", "faults");
    let started = tokio::time::Instant::now();
    let slow = tokio::spawn({
        let app = app.clone();
        async move {
            let headers = [
                ("authorization", TOKEN),
                ("content-type", "application/json"),
                ("x-understudy-fault", "slow"),
            ];
            call(&app, "PATCH", ITEM, &headers, Some(r#"{"enable": true}"#)).await
        }
    });
    tokio::task::yield_now().await;
    // Meanwhile another request is answered at once: no lock is held while the slow one sleeps.
    let quick = authed(&app, "GET", LIST, None).await;
    assert_eq!(quick.status, 200);
    assert!(!slow.is_finished());
    let slow = slow.await.unwrap();
    assert_eq!(slow.status, 200, "{}", slow.text);
    assert!(started.elapsed() >= Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let server = TestServer::start(app_with_scenario("teable", "faults")).await;
    let address = server.address;
    let read = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!("GET {LIST} HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\nX-Understudy-Fault: drop\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut buffer = Vec::new();
        let _ = stream.read_to_end(&mut buffer);
        buffer
    })
    .await
    .unwrap();
    assert!(read.is_empty(), "got an answer: {}", String::from_utf8_lossy(&read));
    server.stop().await;
}

fn deterministic(seed: u64) -> App {
    let options = StoreOptions {
        seed: Some(seed),
        clock: Some("2026-01-01T00:00:00Z".parse().unwrap()),
        ..StoreOptions::default()
    };
    App::new(catalog(Dialect::V31), Store::new(options), Settings::default())
}

async fn create_two(app: &App) -> Vec<Value> {
    let mut out = Vec::new();
    for space in ["spcDeterministic001", "spcDeterministic002"] {
        let path = format!("/teable/api/space/{space}/integration");
        let created = authed(
            app,
            "POST",
            &path,
            Some(r#"{"type": "AI", "enable": true, "config": {"llmProviders": []}}"#),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.text);
        out.push(created.json);
    }
    out
}

#[tokio::test]
async fn seed_and_clock_make_ids_and_timestamps_repeat() {
    let first = create_two(&deterministic(7)).await;
    let second = create_two(&deterministic(7)).await;
    assert_eq!(first, second);
    assert_eq!(first[0]["createdTime"], "2026-01-01T00:00:00.000Z");
    assert_ne!(first[0]["id"], first[1]["id"]);
    assert_eq!(first[1]["createdTime"], "2026-01-01T00:00:02.000Z", "one second per reading");
    let other = create_two(&deterministic(8)).await;
    assert_ne!(first[0]["id"], other[0]["id"]);
}
