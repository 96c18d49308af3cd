//! The contract wing.

pub mod check;
mod model;
pub mod route;
pub mod sample;
pub mod schema;
pub mod validate;

pub use model::*;
