//! The conformance wing.

pub mod client;
pub mod diff;
pub mod exchange;
pub mod plan;
pub mod record;
pub mod report;
pub mod runner;
