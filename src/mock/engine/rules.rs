//! The rules a scenario puts on writes, checked inside the store's lock: `require-any` (400),
//! `immutable` fields (422), `only-with` (body fields that apply only to some values of a
//! record's field: 422), `precondition`s on the stored record (403), and `unique` fields (409). Each refusal carries the rule's own message when the scenario gives one.

use http::StatusCode;
use serde_json::{Value, json};

use crate::json::text::as_text;
use crate::mock::engine::call::Scope;
use crate::mock::respond::Failure;
use crate::mock::store::Tx;
use crate::scenario::{OperationBehaviour, Resource, Rule};

fn rule_message(rule: &Rule, field: &str, values: &[String], default: String) -> String {
    match &rule.message {
        Some(template) => {
            let context = json!({"field": field, "value": values.join(", "), "values": values});
            template.render_text(&context)
        }
        None => default,
    }
}

/// A refusal by the rule `rule` (named as the scenario writes it: `unique: /name`).
pub(crate) fn rule_failure(rule: String, status: u16, message: String) -> Failure {
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
    behaviour: &OperationBehaviour,
    body: &Value,
) -> Result<(), Failure> {
    let Some(rule) = &behaviour.require_any else { return Ok(()) };
    if rule.fields.iter().any(|f| body.pointer(f).is_some()) {
        return Ok(());
    }
    let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
    let default = format!("At least one of {} must be provided", names.join(", "));
    Err(rule_failure(
        format!("require-any: {}", rule.fields.join(", ")),
        rule.status,
        rule_message(rule, &names.join(", "), &[], default),
    ))
}

pub(crate) fn check_immutable(
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
                return Err(rule_failure(
                    format!("immutable: {field}"),
                    rule.status,
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
        return Err(rule_failure(named, rule.status, message));
    }
    Ok(())
}

pub(crate) fn check_preconditions(
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
                    resource.name.trim_end_matches('s').replace('_', " "),
                    as_text(&condition.equals)
                ),
            };
            let named =
                format!("precondition: {} is {}", condition.field, as_text(&condition.equals));
            return Err(rule_failure(named, condition.status, message));
        }
    }
    Ok(())
}

pub(crate) fn check_unique(
    behaviour: &OperationBehaviour,
    scope: &Scope<'_>,
    tx: &Tx<'_>,
    record: &Value,
    own_key: Option<&str>,
) -> Result<(), Failure> {
    for rule in &behaviour.unique {
        let values: Vec<Option<&Value>> = rule.fields.iter().map(|f| record.pointer(f)).collect();
        if values.iter().any(Option::is_none) {
            continue;
        }
        let clash = tx.records(&scope.resource.name).filter(|r| scope.belongs(r)).any(|other| {
            own_key != Some(scope.resource.key_of(other).as_str())
                && rule.fields.iter().zip(&values).all(|(f, v)| other.pointer(f) == *v)
        });
        if clash {
            let names: Vec<String> = rule.fields.iter().map(|f| field_name(f)).collect();
            let shown: Vec<String> = values.iter().flatten().map(|v| as_text(v)).collect();
            let default = format!(
                "A record with {} `{}` already exists",
                names.join(" and "),
                shown.join("` and `")
            );
            return Err(rule_failure(
                format!("unique: {}", rule.fields.join(", ")),
                rule.status,
                rule_message(rule, &names.join(", "), &shown, default),
            ));
        }
    }
    Ok(())
}
