//! The rules a scenario puts on writes, checked inside the store's lock: `require-any` (400),
//! `immutable` fields (422), `only-with` (body fields that apply only to some values of a
//! record's field: 422), `precondition`s on the stored record (403), and `unique` fields (409,
//! looked up in the session's index: `mock/index.rs`). Each refusal carries the rule's own
//! message when the scenario gives one.
//!
//! A status the scenario gives is answered as it is. One the engine chooses (those above, and
//! 409 for a key that exists) is answered only when the operation documents it: otherwise the
//! first of 400, 422 and 409 the operation documents stands in for it (a client of the API
//! handles no other), with the same message; with none of them documented, the engine's own.

use http::StatusCode;
use serde_json::{Value, json};

use crate::contract::Operation;
use crate::json::text::as_text;
use crate::mock::engine::call::Scope;
use crate::mock::respond::Failure;
use crate::mock::store::Tx;
use crate::scenario::{OperationBehaviour, Resource, Rule};
use crate::words::singular;

/// The statuses that stand in for an undocumented one the engine chose, in order.
const STAND_INS: [u16; 3] = [400, 422, 409];

/// The status of a refusal: the scenario's (`given`), else the engine's (`chosen`) when the
/// operation documents it, else the first of [`STAND_INS`] it documents, else `chosen`.
pub(crate) fn refusal_status(operation: &Operation, given: Option<u16>, chosen: u16) -> u16 {
    if let Some(given) = given {
        return given;
    }
    let documented = |status: &u16| operation.response(*status).is_some();
    std::iter::once(chosen).chain(STAND_INS).find(documented).unwrap_or(chosen)
}

fn rule_message(rule: &Rule, field: &str, values: &[String], default: String) -> String {
    match &rule.message {
        Some(template) => {
            let context = json!({"field": field, "value": values.join(", "), "values": values});
            template.render_text(&context)
        }
        None => default,
    }
}

/// A refusal by the rule `rule` (named as the scenario writes it: `unique: /name`) with
/// `message`, its status as [`refusal_status`] says.
pub(crate) fn refusal(
    operation: &Operation,
    rule: String,
    given: Option<u16>,
    chosen: u16,
    message: String,
) -> Failure {
    let status = refusal_status(operation, given, chosen);
    Failure::Scenario {
        rule,
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        message,
    }
}

/// Field name for messages: `/config/provider` → `config.provider`.
fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

pub(crate) fn check_require_any(
    operation: &Operation,
    behaviour: &OperationBehaviour,
    body: &Value,
) -> Result<(), Failure> {
    let Some(rule) = &behaviour.require_any else { return Ok(()) };
    if rule.fields.iter().any(|f| body.pointer(f).is_some()) {
        return Ok(());
    }
    let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
    let default = format!("At least one of {} must be provided", names.join(", "));
    Err(refusal(
        operation,
        format!("require-any: {}", rule.fields.join(", ")),
        rule.status,
        400,
        rule_message(rule, &names.join(", "), &[], default),
    ))
}

pub(crate) fn check_immutable(
    operation: &Operation,
    behaviour: &OperationBehaviour,
    old: &Value,
    body: &Value,
) -> Result<(), Failure> {
    for rule in &behaviour.immutable {
        for field in &rule.fields {
            if let Some(sent) = body.pointer(field)
                && old.pointer(field) != Some(sent)
            {
                let name = field_name(field);
                let stored = old.pointer(field).map(as_text).unwrap_or_default();
                let default = format!(
                    "`{name}` is immutable: it is `{stored}` and cannot be changed to `{}`",
                    as_text(sent)
                );
                return Err(refusal(
                    operation,
                    format!("immutable: {field}"),
                    rule.status,
                    422,
                    rule_message(rule, &name, &[as_text(sent)], default),
                ));
            }
        }
    }
    Ok(())
}

/// Body fields sent with a record whose deciding field (`decider`: the stored record on update,
/// the body on create) has a value the rule does not allow them with.
pub(crate) fn check_only_with(
    operation: &Operation,
    behaviour: &OperationBehaviour,
    decider: &Value,
    body: &Value,
) -> Result<(), Failure> {
    for rule in &behaviour.only_with {
        let value = decider.pointer(&rule.field).or_else(|| body.pointer(&rule.field));
        if value.is_some_and(|v| rule.values.contains(v)) {
            continue;
        }
        let Some(sent) = rule.fields.iter().find(|f| body.pointer(f).is_some()) else { continue };
        let name = field_name(sent);
        let value = value.map(as_text).unwrap_or_default();
        let message = match &rule.message {
            Some(template) => template.render_text(&json!({"field": name, "value": value})),
            None => {
                format!("`{name}` does not apply when {} is `{value}`", field_name(&rule.field))
            }
        };
        let allowed: Vec<String> = rule.values.iter().map(as_text).collect();
        let named = format!("only-with: {sent} when {} is {}", rule.field, allowed.join(" or "));
        return Err(refusal(operation, named, rule.status, 422, message));
    }
    Ok(())
}

pub(crate) fn check_preconditions(
    operation: &Operation,
    behaviour: &OperationBehaviour,
    resource: &Resource,
    record: &Value,
) -> Result<(), Failure> {
    for condition in &behaviour.precondition {
        let actual = record.pointer(&condition.field);
        if actual != Some(&condition.equals) {
            let name = field_name(&condition.field);
            let actual = actual.map(as_text).unwrap_or_default();
            let message = match &condition.message {
                Some(template) => template.render_text(&json!({"field": name, "value": actual})),
                None => format!(
                    "Only a {} whose {name} is `{}` may be changed; this one is `{actual}`",
                    singular(&resource.name),
                    as_text(&condition.equals)
                ),
            };
            let named =
                format!("precondition: {} is {}", condition.field, as_text(&condition.equals));
            return Err(refusal(operation, named, condition.status, 403, message));
        }
    }
    Ok(())
}

/// The `unique` rules: no other record (of the scope) may hold the same values. A lookup in
/// the session's index, never a scan.
pub(crate) fn check_unique(
    operation: &Operation,
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &mut Tx<'_>,
    record: &Value,
    own_key: Option<&str>,
) -> Result<(), Failure> {
    for rule in &behaviour.unique {
        let Some(values) =
            rule.fields.iter().map(|f| record.pointer(f)).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        let clash = tx
            .matching(&scope.lookup(&rule.fields), &values)
            .iter()
            .any(|k| Some(k.as_str()) != own_key);
        if clash {
            let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
            let shown: Vec<String> = values.iter().map(|v| as_text(v)).collect();
            let default = format!(
                "A record with {} `{}` already exists",
                names.join(" and "),
                shown.join("` and `")
            );
            return Err(refusal(
                operation,
                format!("unique: {}", rule.fields.join(", ")),
                rule.status,
                409,
                rule_message(rule, &names.join(", "), &shown, default),
            ));
        }
    }
    Ok(())
}
