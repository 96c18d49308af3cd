//! `understudy record`: the recording proxy.

mod proxy;

pub use proxy::*;
