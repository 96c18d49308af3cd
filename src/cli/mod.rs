//! The command-line wing.

mod args;
pub mod config;
pub mod health;
pub mod lint;
pub mod logging;

pub use args::*;
