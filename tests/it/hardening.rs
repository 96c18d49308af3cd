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
