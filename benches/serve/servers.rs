//! Starting the servers under test as processes of their own, waiting for their first 200,
//! reading their memory, and installing Prism.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) address: SocketAddr,
}

impl Server {
    /// Starts `command` (which must listen on `address`) and waits until `probe` answers 200.
    /// Returns the server and the time from the start of the process to that 200.
    pub(crate) fn start(
        mut command: Command,
        address: SocketAddr,
        probe: &str,
    ) -> Result<(Server, Duration), String> {
        let shown = format!("{command:?}");
        let started = Instant::now();
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {shown}: {e}"))?;
        let mut server = Server { child, address };
        loop {
            if probe_ok(address, probe) {
                return Ok((server, started.elapsed()));
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{shown} exited with {status} before answering"));
            }
            if started.elapsed() > Duration::from_secs(90) {
                return Err(format!("{shown} did not answer 200 to `{probe}` within 90 s"));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory (VmRSS) in bytes.
    pub(crate) fn rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a GET of `path` (with understudy's development token) answers 200.
fn probe_ok(address: SocketAddr, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer dev-token\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/1.1 200"
}

/// A loopback address with a port nobody listens on now.
pub(crate) fn free_address() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a bound address")
}

/// The version of Prism compared against: the newest that runs on Node 20.
pub(crate) const PRISM_VERSION: &str = "5.14.2";

/// Installs Prism from the npm registry into a temporary directory (once) and returns the
/// path of its executable.
pub(crate) fn install_prism() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("understudy-bench-prism-{PRISM_VERSION}"));
    let executable = dir.join("node_modules/.bin/prism");
    if executable.exists() {
        return Ok(executable);
    }
    eprintln!("installing @stoplight/prism-cli@{PRISM_VERSION} into {}", dir.display());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
        .arg(&dir)
        .arg(format!("@stoplight/prism-cli@{PRISM_VERSION}"))
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run npm (Node.js 20 and npm are needed for --peers): {e}"))?;
    if !status.success() || !executable.exists() {
        return Err(format!("npm could not install @stoplight/prism-cli@{PRISM_VERSION}"));
    }
    Ok(executable)
}

/// The command that serves `contract` with Prism on `address`, without logging.
pub(crate) fn prism(executable: &Path, contract: &Path, address: SocketAddr) -> Command {
    let mut command = Command::new(executable);
    command
        .args(["mock", "-h", "127.0.0.1", "-p", &address.port().to_string(), "-v", "silent"])
        .arg(contract);
    command
}

/// How many of the functions `link/startup-order.txt` lists the binary has (read with `nm`;
/// `None` without it). The list names the functions of both builds, release and bench, so each
/// build finds about half. Far fewer than start-up runs (about 3,700) means the list is stale
/// and the linker could not place start-up's code together (README, Performance).
pub(crate) fn ordered_functions(binary: &str, list: &Path) -> Option<usize> {
    let symbols = Command::new("nm").args(["--defined-only", binary]).output().ok()?;
    let symbols = String::from_utf8_lossy(&symbols.stdout);
    let names: std::collections::HashSet<&str> =
        symbols.lines().filter_map(|line| line.split(' ').nth(2)).collect();
    let listed = std::fs::read_to_string(list).ok()?;
    Some(listed.lines().filter(|line| names.contains(line.trim())).count())
}
