//! The command line: what the binary parses and the commands that are more than a call into
//! another wing.
//!
//! # Rooms
//!
//! * `args`: the clap types, exactly as typed, no I/O (ripgrep's low args).
//! * `config`: `serve`'s configuration, figment layers (defaults < `understudy.toml` <
//!   `UNDERSTUDY_*` < flags), checked once, and turned into the other wings' options.
//! * `logging`: where log lines go and how they look.
//! * `lint`: contracts, scenarios and suites checked against each other.
//! * `listing`: the start-up banner and `--print-config`'s list of APIs and versions.
//! * `health`: `understudy health`, a container's health check.
//!
//! This wing may name every other one; none names it.

mod args;
pub mod config;
pub mod health;
pub mod lint;
pub mod listing;
pub mod logging;

pub use args::*;
