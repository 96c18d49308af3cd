//! The Dockerfile, tested without a Docker engine: the binary built with the Dockerfile's own
//! flags is statically linked, and serves (and passes the HEALTHCHECK, and stops on SIGTERM)
//! with exactly the environment and command of the final image.
//!
//! The flags and the environment are read from the Dockerfile itself, so the test follows
//! every change to it. What makes the binary static is the Dockerfile's `RUSTFLAGS`
//! (`+crt-static`), and what it acts on is the final link; so the test does not compile the
//! tree a second time (a release build of everything, minutes on a small machine): it asks
//! `cargo rustc` for the binary of the profile `cargo test` just built, with those flags given
//! to the binary's own crate only, over the dependencies already compiled. That is what the
//! Dockerfile's explicit `--target` achieves too (its RUSTFLAGS skip build scripts and
//! proc-macros). The release image itself, built once, is run in a real container engine by
//! `scripts/container.sh` (`.ci/run` runs it).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Dockerfile's instructions (continuation lines joined), by stage.
fn stages() -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() && current.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => current.push_str(start),
            None => {
                current.push_str(line);
                joined.push(std::mem::take(&mut current));
            }
        }
    }
    let mut stages: Vec<Vec<(String, String)>> = Vec::new();
    for instruction in joined.into_iter().filter(|i| !i.is_empty()) {
        let (keyword, rest) = instruction.split_once(' ').unwrap_or((&instruction, ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            stages.push(Vec::new());
        }
        stages.last_mut().expect("FROM comes first").push((keyword, rest.trim().to_owned()));
    }
    stages
}

fn values<'a>(stage: &'a [(String, String)], keyword: &str) -> Vec<&'a str> {
    stage.iter().filter(|(k, _)| k == keyword).map(|(_, v)| v.as_str()).collect()
}

/// `KEY=value` or `KEY="value"` pairs of ENV instructions.
fn env_of(stage: &[(String, String)]) -> Vec<(String, String)> {
    values(stage, "ENV")
        .into_iter()
        .filter_map(|v| v.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

fn json_array(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("`{text}` is not the exec form: {e}"))
}

/// Whether an ELF file has no program interpreter (statically linked, static-pie included).
fn is_static_elf(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(bytes[4], 2, "not a 64-bit ELF");
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(0x36), u16_at(0x38));
    const PT_INTERP: u32 = 3;
    (0..count).all(|i| {
        u32::from_le_bytes(bytes[phoff + i * size..phoff + i * size + 4].try_into().unwrap())
            != PT_INTERP
    })
}

fn get(address: SocketAddr, path: &str, headers: &str) -> Option<String> {
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    Some(answer)
}

#[test]
fn the_image_binary_is_static_and_serves_with_the_images_environment() {
    let stages = stages();
    assert!(stages.len() >= 2, "a multi-stage build");
    let (build, image) = (&stages[0], stages.last().unwrap());

    // The final image: empty or distroless, non-root, the port, the health check.
    let base = values(image, "FROM")[0];
    assert!(base == "scratch" || base.starts_with("gcr.io/distroless/static"), "base {base}");
    let user = values(image, "USER")[0];
    assert!(
        user.split(':').all(|id| id.parse::<u32>().is_ok_and(|id| id != 0)),
        "a numeric non-root user, not {user}"
    );
    assert_eq!(values(image, "EXPOSE"), ["4010"]);
    let environment = env_of(image);
    assert!(
        environment.contains(&("UNDERSTUDY_HOST".to_owned(), "0.0.0.0".to_owned())),
        "{environment:?}"
    );
    let healthcheck = values(image, "HEALTHCHECK")[0];
    let health_command =
        json_array(healthcheck.split_once("CMD ").expect("HEALTHCHECK ... CMD [...]").1);
    let entrypoint = json_array(values(image, "ENTRYPOINT")[0]);
    let command = json_array(values(image, "CMD")[0]);

    // The Dockerfile's build: a release build with its RUSTFLAGS, for the host's triple.
    let run = values(build, "RUN")
        .into_iter()
        .find(|r| r.contains("cargo build"))
        .expect("a RUN with cargo build");
    let arguments = run.split("cargo build").nth(1).unwrap().split("&&").next().unwrap().trim();
    assert!(arguments.contains("--release") && arguments.contains("--locked"), "{arguments}");
    assert!(arguments.contains("--target"), "RUSTFLAGS must skip build scripts: {arguments}");
    let rustflags = env_of(build)
        .into_iter()
        .find(|(key, _)| key == "RUSTFLAGS")
        .map(|(_, value)| value)
        .expect("ENV RUSTFLAGS in the build stage");
    assert!(rustflags.contains("+crt-static"), "{rustflags}");

    // The same flags on the binary's crate, over the dependencies of this test run's profile.
    let profile = if cfg!(debug_assertions) { "dev" } else { "release" };
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .args(["rustc", "--locked", "--quiet", "--bin", "understudy", "--profile", profile, "--"])
        .args(rustflags.split_whitespace())
        .current_dir(root());
    let status = cargo.status().unwrap();
    assert!(status.success(), "cargo rustc with the Dockerfile's RUSTFLAGS failed");
    let binary: PathBuf = PathBuf::from(env!("CARGO_BIN_EXE_understudy"));
    assert!(is_static_elf(&binary), "{} is dynamically linked", binary.display());

    // Run it as the image does: the image's environment only, its entrypoint and command.
    let address: SocketAddr = "127.0.0.1:4010".parse().unwrap();
    assert!(
        TcpStream::connect(address).is_err(),
        "port 4010 is taken: stop what listens there and run again"
    );
    let mut server = Command::new(&binary);
    server
        .args(&entrypoint[1..])
        .args(&command)
        .env_clear()
        .envs(environment.iter().cloned())
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = server.spawn().unwrap();
    let started = Instant::now();
    let health = loop {
        if let Some(answer) = get(address, "/__understudy/health", "") {
            break answer;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the binary did not serve on {address}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let answer = get(
        address,
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
        "Authorization: Bearer dev-token\r\n",
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") && answer.contains("\"slack\""), "{answer}");

    // The HEALTHCHECK, as the engine runs it inside the image.
    assert_eq!(health_command[0], entrypoint[0], "the health check runs the same binary");
    let checked = Command::new(&binary)
        .args(&health_command[1..])
        .env_clear()
        .envs(environment.iter().cloned())
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(0), "{}", String::from_utf8_lossy(&checked.stdout));

    // `docker stop` sends SIGTERM: exit 0.
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
}
