//! The mock wing.

pub mod admin;
pub mod auth;
pub mod cache;
pub mod engine;
pub mod journal;
pub mod limit;
pub mod prefer;
pub mod respond;
pub mod service;
pub mod store;
pub mod watch;
