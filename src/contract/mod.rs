//! The contract wing.

pub mod check;
pub mod defaults;
pub mod document;
mod load;
mod model;
pub mod route;
pub mod sample;
pub mod schema;
pub mod validate;

pub use document::METHODS;
pub use load::{from_value, load, parse_text};
pub use model::*;
