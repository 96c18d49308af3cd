//! The command-line wing.

mod args;
pub mod config;
pub mod lint;

pub use args::*;
