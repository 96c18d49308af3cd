//! The scenario wing.

mod build;
mod load;
mod model;
pub mod template;

pub use load::{load, load_all};
pub use model::*;
