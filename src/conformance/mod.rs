//! The conformance wing: `understudy check` replays recorded exchanges against a target (the
//! real service, a staging copy, or understudy itself) and judges each response twice, against
//! the contract and against the recording; `understudy record` writes such exchanges from live
//! traffic.
//!
//! It works from contracts and exchange files alone (never `mock`, `catalog` or `scenario`): a
//! runner pointed at a real vendor has no scenario.
//!
//! # Rooms
//!
//! * `exchange`: the exchange file format (`# Format`), loading a suite, and the `${env.*}` /
//!   `${capture.*}` placeholders;
//! * `plan`: which cases a run takes (`--only`, `--skip`, `needs`) and in what order;
//! * `runner`: running the planned cases, one at a time, into an outcome per case with its two
//!   verdicts (the contract side's checks are `contract::check`);
//! * `diff`: comparing a response with its recording under the exchange's rules;
//! * `unified`: the unified diff of the two bodies, as `check` prints it;
//! * `report`: the human, JSON and JUnit reports of a run;
//! * `client`: the HTTP client both the runner and the recorder send with;
//! * `record/`: the recording proxy, with its rooms for secrets, rules and capture links.
//!
//! Files of the wing name each other by full path (`crate::conformance::exchange::Case`), not
//! through this file, so that no two files import each other.

pub(crate) mod client;
pub mod diff;
pub mod exchange;
pub mod plan;
pub mod record;
pub mod report;
pub mod runner;
mod unified;
