//! The scenario wing.

mod model;
pub mod template;

pub use model::*;
