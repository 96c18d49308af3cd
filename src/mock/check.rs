//! The self-check (DESIGN §5 step 9): every answer the mock builds is checked against every
//! dialect of its version's contract before it is sent.
//!
//! A violation is a bug of the scenario, never of the client. In strict mode (the default) the
//! answer is replaced by a 500 that names the violation, in the API's envelope; in lenient
//! mode it is sent anyway, with a warning in the log. The check lives apart from the service
//! because it runs in two places: in the service for answers that touched no data, and in the
//! store actions, under the session's lock, for writes, so that a write whose answer fails is
//! rolled back before anyone can read it (`engine/action.rs`).

use crate::catalog::Version;
use crate::contract::Operation;
use crate::contract::check;
use crate::contract::validate::{Location, Violation};
use crate::mock::respond::{Blame, Failure, Reply};
use crate::scenario::INFERRED;

/// What the self-check made of an answer.
#[derive(Debug)]
pub(crate) enum Checked {
    /// The answer to send: it conforms, or the check is lenient.
    Passed(Reply),
    /// The answer broke the contract in strict mode: the failure to answer instead (a 500
    /// that names it, rendered by the service, which also journals why).
    Failed(Failure),
}

/// What a reply breaks of every dialect of the version (each violation once).
pub(crate) fn violations(
    version: &Version,
    operation: &Operation,
    reply: &Reply,
) -> Vec<Violation> {
    let media = reply.media_type();
    let mut violations: Vec<Violation> = Vec::new();
    for contract in &version.contracts {
        let Some(documented) = contract.operation(&operation.id) else { continue };
        let found = check::response(
            documented,
            reply.status.as_u16(),
            &reply.headers,
            media.as_deref(),
            reply.json_body(),
        );
        for mut violation in found {
            if version.contracts.len() > 1 {
                violation.message = format!("{} (per {})", violation.message, contract.file_name);
            }
            // Where, in this dialect's file (the journal shows it).
            violation.schema = violation.schema.map(|s| format!("{}#{s}", contract.file_name));
            if !violations.contains(&violation) {
                violations.push(violation);
            }
        }
    }
    violations
}

/// Checks a reply against every dialect of the version; in strict mode a violation is a
/// failure in place of the reply (and is logged as an error), in lenient mode it is logged as
/// a warning and the reply kept.
pub(crate) fn self_check(
    strict: bool,
    version: &Version,
    operation: &Operation,
    reply: Reply,
) -> Checked {
    let violations = violations(version, operation, &reply);
    if violations.is_empty() {
        return Checked::Passed(reply);
    }
    let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
    if !strict {
        tracing::warn!(
            api = %version.key,
            operation = %operation.id,
            violations = %summary.join("; "),
            "response breaks the contract"
        );
        return Checked::Passed(reply);
    }
    tracing::error!(
        api = %version.key,
        operation = %operation.id,
        scenario = %version.scenario.name,
        violations = %summary.join("; "),
        "self-check failed: the response breaks the contract; answering 500"
    );
    let violations: Vec<Violation> =
        violations.into_iter().map(|v| Violation { location: Location::Response, ..v }).collect();
    let inferred = version.scenario.name == INFERRED;
    let blame = Blame::of(reply.origin, inferred, &violations);
    Checked::Failed(Failure::SelfCheck { violations, blame })
}
