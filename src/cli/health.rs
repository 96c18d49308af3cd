//! `understudy health`: asks a running understudy whether it is healthy, for a container's
//! `HEALTHCHECK` (the image has no curl).
//!
//! It sends `GET /__understudy/health` over a plain TCP connection, with a timeout, to the URL
//! given, or to the address the configuration (file, `UNDERSTUDY_*` variables) would bind, so
//! that the same environment that configures `serve` configures its health check.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::cli::args::{HealthArgs, ServeArgs};
use crate::cli::config::{Config, ConfigError};
use crate::request::ADMIN_PREFIX;

/// What the server said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// It answered 200.
    Healthy(SocketAddr),
    /// It answered something else, or nothing: the reason, for people.
    Unhealthy(String),
}

/// The check could not be made at all.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// `--url` is not a URL with a host.
    #[error("`{0}` is not a URL with a host")]
    BadUrl(String),
    /// The host name does not resolve.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The host.
        host: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The host name resolves to nothing.
    #[error("no address for {0}")]
    NoAddress(String),
    /// The configuration that says where the server listens is broken.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Asks the server.
pub fn probe(args: &HealthArgs) -> Result<Health, HealthError> {
    let (host, port) = match &args.url {
        Some(url) => {
            let uri: http::Uri = url.parse().map_err(|_| HealthError::BadUrl(url.clone()))?;
            let host = uri.host().ok_or_else(|| HealthError::BadUrl(url.clone()))?.to_owned();
            (host, uri.port_u16().unwrap_or(80))
        }
        None => {
            let config = Config::resolve(&ServeArgs::default())?;
            // A server bound to every interface is reached on loopback.
            let host = match config.host.as_str() {
                "0.0.0.0" | "::" => "127.0.0.1".to_owned(),
                other => other.to_owned(),
            };
            (host, config.port)
        }
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let address = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|source| HealthError::Resolve { host: host.clone(), source })?
        .next()
        .ok_or_else(|| HealthError::NoAddress(host.clone()))?;
    Ok(match ask(address, &host, timeout) {
        Ok(text) if text.starts_with("HTTP/1.1 200") => Health::Healthy(address),
        Ok(text) => Health::Unhealthy(text.lines().next().unwrap_or("no answer").to_owned()),
        Err(error) => Health::Unhealthy(format!("http://{address}: {error}")),
    })
}

/// The raw answer to the health request.
fn ask(address: SocketAddr, host: &str, timeout: Duration) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {ADMIN_PREFIX}/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}
