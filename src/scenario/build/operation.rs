//! Operations: one store action on one resource, with its rules, canned answers and templates.
//!
//! `operation` builds the parts in a fixed order and stops at the first problem, so a file
//! with several mistakes always reports the same one first. Each rule is checked where it is
//! built (its resource exists, its fields are JSON pointers, it applies to the action), and
//! the templates are read once to know which parts of the operation context the engine must
//! build (`reads_*`). The rules only lists have are in `list`.

use serde::Deserialize;
use serde_json::Value;

use crate::error::LoadError;
use crate::scenario::build::list::pagination;
use crate::scenario::build::{Builder, find};
use crate::scenario::format::{
    RawCanned, RawExists, RawImmutable, RawOnlyWith, RawOperation, RawPrecondition, RawRule,
    RawUpsert,
};
use crate::scenario::model::{
    Action, Alphabet, Canned, Exists, KeySource, Merge, OnlyWith, OperationBehaviour, Precondition,
    Resource, Rule, SetValue, Upsert,
};
use crate::scenario::template::Template;

// === The operation, step by step ===

impl Builder<'_> {
    /// The behaviour of operation `id`.
    pub(super) fn operation(
        &self,
        id: &str,
        op: RawOperation,
        resources: &[Resource],
    ) -> Result<OperationBehaviour, LoadError> {
        let at = format!("/operations/{id}");
        let actions = [
            (Action::List, op.list),
            (Action::Get, op.get),
            (Action::Create, op.create),
            (Action::Update, op.update),
            (Action::Delete, op.delete),
        ];
        let (action, definition) = self.action(&at, actions, resources)?;
        let key = self.key(&at, action, op.key)?;
        if op.parent.is_some() && definition.parent.is_none() {
            let message =
                format!("`parent` is set but resource `{}` has no parent", definition.name);
            return Err(self.invalid(&format!("{at}/parent"), message));
        }
        for path in op.paths.keys() {
            self.pointer(path, &format!("{at}/paths"))?;
        }
        for field in op.defaults.keys() {
            self.pointer(field, &format!("{at}/defaults"))?;
        }
        let set = self.set(&at, op.set)?;
        self.check_reveal(&at, &op.reveal, definition)?;
        let exists = self.exists(&at, op.exists, resources)?;
        let filters = self.filters(&at, op.filters)?;
        let order = self.order(&at, op.order)?;
        let pagination = op.pagination.map(pagination);
        let via = op.via.map(|raw| self.via(&at, raw, resources)).transpose()?;
        let upsert = op.upsert.map(|raw| self.upsert(&at, raw)).transpose()?;
        let unique = self.unique(&at, op.unique)?;
        let immutable = self.immutable(&at, op.immutable)?;
        let require_any =
            op.require_any.map(|r| self.rule(r, &format!("{at}/require-any"))).transpose()?;
        let precondition = self.preconditions(&at, op.precondition)?;
        let only_with = self.only_with(&at, op.only_with)?;
        let respond = self.canned(&at, op.respond)?;
        let body = op.body.as_ref().map(|b| self.template(b, &format!("{at}/body"))).transpose()?;
        let item = op.item.as_ref().map(|i| self.template(i, &format!("{at}/item"))).transpose()?;
        let action_rules = [
            ("filters", !filters.is_empty(), action == Action::List),
            ("pagination", pagination.is_some(), action == Action::List),
            ("via", via.is_some(), action == Action::List),
            ("item", item.is_some(), action == Action::List),
            ("upsert", upsert.is_some(), action == Action::Create),
            ("missing", op.missing.is_some(), action == Action::Delete),
            ("create-missing", op.create_missing, action == Action::Update),
            ("immutable", !immutable.is_empty(), action == Action::Update),
            ("only-with", !only_with.is_empty(), matches!(action, Action::Create | Action::Update)),
            (
                "precondition",
                !precondition.is_empty(),
                matches!(action, Action::Update | Action::Delete),
            ),
        ];
        self.check_applies(&at, action, &action_rules)?;
        let headers = self.headers(&op.headers, &format!("{at}/headers"))?;
        let delay = op
            .delay
            .as_deref()
            .map(|d| {
                crate::duration::Latency::parse(d)
                    .map_err(|e| self.invalid(&format!("{at}/delay"), e.to_string()))
            })
            .transpose()?;
        let mut behaviour = OperationBehaviour {
            action,
            resource: definition.name.clone(),
            key,
            parent: op.parent,
            status: op.status,
            body,
            headers,
            reads_stored: false,
            reads_count: false,
            reads_request: false,
            item,
            merge: op.merge.unwrap_or(Merge::Merge),
            paths: op.paths,
            schema_defaults: op.schema_defaults,
            defaults: op.defaults.into_iter().collect(),
            set,
            reveal: op.reveal,
            exists,
            filters,
            order,
            pagination,
            via,
            upsert,
            unique,
            immutable,
            require_any,
            only_with,
            precondition,
            missing: op.missing.map(|m| m.status),
            create_missing: op.create_missing,
            respond,
            delay,
        };
        (behaviour.reads_stored, behaviour.reads_count, behaviour.reads_request) =
            context_reads(&behaviour);
        Ok(behaviour)
    }

    /// The one action the operation names, and the resource it acts on.
    fn action<'r>(
        &self,
        at: &str,
        actions: [(Action, Option<String>); 5],
        resources: &'r [Resource],
    ) -> Result<(Action, &'r Resource), LoadError> {
        let mut chosen = actions.into_iter().filter_map(|(a, r)| r.map(|r| (a, r)));
        let Some((action, resource)) = chosen.next() else {
            return Err(self.invalid(
                at,
                "needs one action: list, get, create, update or delete (with the resource name)",
            ));
        };
        if let Some((other, _)) = chosen.next() {
            let message =
                format!("has two actions, `{}` and `{}`", action.as_str(), other.as_str());
            return Err(self.invalid(at, message));
        }
        let Some(definition) = find(resources, &resource) else {
            let message = format!("resource `{resource}` is not defined under `resources`");
            return Err(self.invalid(&format!("{at}/{}", action.as_str()), message));
        };
        Ok((action, definition))
    }

    /// Where the record key comes from: a path parameter, or a template. Get, update and
    /// delete need one.
    fn key(
        &self,
        at: &str,
        action: Action,
        key: Option<String>,
    ) -> Result<Option<KeySource>, LoadError> {
        let key = match key {
            Some(text) if text.contains("{{") => {
                Some(KeySource::Template(self.text_template(&text, &format!("{at}/key"))?))
            }
            Some(text) => Some(KeySource::Param(text)),
            None => None,
        };
        if matches!(action, Action::Get | Action::Update | Action::Delete) && key.is_none() {
            let message = format!(
                "`{}` needs `key`: the path parameter holding the record key",
                action.as_str()
            );
            return Err(self.invalid(at, message));
        }
        Ok(key)
    }

    /// Values written into the record: a template, or `{random: {alphabet, length}}`.
    fn set(
        &self,
        at: &str,
        raw: serde_json::Map<String, Value>,
    ) -> Result<Vec<(String, SetValue)>, LoadError> {
        let mut set = Vec::new();
        for (field, value) in raw {
            let pointer = format!("{at}/set/{field}");
            self.pointer(&field, &pointer)?;
            let value = match value.get("random") {
                Some(random) if value.as_object().is_some_and(|m| m.len() == 1) => {
                    #[derive(Deserialize)]
                    #[serde(deny_unknown_fields)]
                    struct Spec {
                        alphabet: Alphabet,
                        length: usize,
                    }
                    let spec: Spec = serde_json::from_value(random.clone())
                        .map_err(|e| self.invalid(&pointer, e.to_string()))?;
                    SetValue::Random { alphabet: spec.alphabet, length: spec.length }
                }
                _ => SetValue::Template(self.template(&value, &pointer)?),
            };
            set.push((field, value));
        }
        Ok(set)
    }

    /// Only write-only fields of the resource can be revealed.
    fn check_reveal(
        &self,
        at: &str,
        reveal: &[String],
        definition: &Resource,
    ) -> Result<(), LoadError> {
        for field in reveal {
            if !definition.write_only.iter().any(|w| &w.field == field) {
                let message = format!(
                    "`{field}` is not a write-only field of resource `{}`",
                    definition.name
                );
                return Err(self.invalid(&format!("{at}/reveal"), message));
            }
        }
        Ok(())
    }

    /// Records that must exist, in resources that exist.
    fn exists(
        &self,
        at: &str,
        raw: Vec<RawExists>,
        resources: &[Resource],
    ) -> Result<Vec<Exists>, LoadError> {
        let mut exists = Vec::new();
        for (i, raw) in raw.into_iter().enumerate() {
            let pointer = format!("{at}/exists/{i}");
            self.check_defined(resources, &raw.resource, &pointer)?;
            let fields = raw
                .fields
                .iter()
                .map(|(field, text)| {
                    Ok((self.pointer(field, &pointer)?, self.text_template(text, &pointer)?))
                })
                .collect::<Result<_, LoadError>>()?;
            exists.push(Exists {
                resource: raw.resource,
                key: self.text_template(&raw.key, &format!("{pointer}/key"))?,
                fields,
            });
        }
        Ok(exists)
    }

    /// Create's upsert: its fields are JSON pointers; it merges with `merge` unless told.
    fn upsert(&self, at: &str, raw: RawUpsert) -> Result<Upsert, LoadError> {
        let pointer = format!("{at}/upsert");
        for field in raw.fields.iter().chain(raw.paths.keys()) {
            self.pointer(field, &pointer)?;
        }
        Ok(Upsert {
            fields: raw.fields,
            merge: raw.merge.unwrap_or(Merge::Merge),
            paths: raw.paths,
            status: raw.status,
        })
    }

    /// Canned answers, in file order.
    fn canned(&self, at: &str, raw: Vec<RawCanned>) -> Result<Vec<Canned>, LoadError> {
        let mut respond = Vec::new();
        for (i, raw) in raw.into_iter().enumerate() {
            let pointer = format!("{at}/respond/{i}");
            respond.push(Canned {
                when: raw.when,
                status: raw.status.unwrap_or(200),
                headers: self.headers(&raw.headers, &format!("{pointer}/headers"))?,
                body: raw
                    .body
                    .as_ref()
                    .map(|b| self.template(b, &format!("{pointer}/body")))
                    .transpose()?,
                delay_ms: raw.delay,
                fault: raw.fault,
            });
        }
        Ok(respond)
    }

    /// Parts that only some actions have (`name`, whether the file uses it, whether the
    /// action has it) must not be used with another action.
    fn check_applies(
        &self,
        at: &str,
        action: Action,
        rules: &[(&str, bool, bool)],
    ) -> Result<(), LoadError> {
        for &(name, used, allowed) in rules {
            if used && !allowed {
                return Err(self.invalid(
                    &format!("{at}/{name}"),
                    format!("`{name}` does not apply to `{}`", action.as_str()),
                ));
            }
        }
        Ok(())
    }
}

// === Rules ===

impl Builder<'_> {
    /// A rule on fields (unique, immutable, require-any), with its default status.
    fn rule(&self, raw: RawRule, at: &str) -> Result<Rule, LoadError> {
        if raw.fields.is_empty() {
            return Err(self.invalid(at, "needs at least one field"));
        }
        for field in &raw.fields {
            self.pointer(field, &format!("{at}/fields"))?;
        }
        Ok(Rule {
            fields: raw.fields,
            status: raw.status,
            message: raw
                .message
                .map(|m| self.text_template(&m, &format!("{at}/message")))
                .transpose()?,
        })
    }

    /// Unique field combinations (→ 409 unless told).
    fn unique(&self, at: &str, raw: Vec<RawRule>) -> Result<Vec<Rule>, LoadError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, &format!("{at}/unique/{i}")))
            .collect()
    }

    /// Fields that may not change (→ 422 unless told): rules of one field each.
    fn immutable(&self, at: &str, raw: Vec<RawImmutable>) -> Result<Vec<Rule>, LoadError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| {
                self.rule(
                    RawRule { fields: vec![r.field], status: r.status, message: r.message },
                    &format!("{at}/immutable/{i}"),
                )
            })
            .collect()
    }

    /// Body fields accepted only for some values of a record's field (→ 422 unless told).
    fn only_with(&self, at: &str, raw: Vec<RawOnlyWith>) -> Result<Vec<OnlyWith>, LoadError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, r)| {
                let pointer = format!("{at}/only-with/{i}");
                if r.fields.is_empty() || r.values.is_empty() {
                    return Err(self.invalid(&pointer, "needs `fields` and `in`"));
                }
                for field in &r.fields {
                    self.pointer(field, &format!("{pointer}/fields"))?;
                }
                Ok(OnlyWith {
                    fields: r.fields,
                    field: self.pointer(&r.field, &format!("{pointer}/field"))?,
                    values: r.values,
                    status: r.status,
                    message: r
                        .message
                        .map(|m| self.text_template(&m, &format!("{pointer}/message")))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Conditions on the stored record (→ 403 unless told).
    fn preconditions(
        &self,
        at: &str,
        raw: Vec<RawPrecondition>,
    ) -> Result<Vec<Precondition>, LoadError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, p)| {
                let pointer = format!("{at}/precondition/{i}");
                Ok(Precondition {
                    field: self.pointer(&p.field, &pointer)?,
                    equals: p.equals,
                    status: p.status,
                    message: p.message.map(|m| self.text_template(&m, &pointer)).transpose()?,
                })
            })
            .collect()
    }
}

// === What the templates read ===

/// Which parts of the operation context its templates read (the first segment of a variable),
/// so the engine builds only those: `stored` and `count` as read by the answer (body and
/// headers), and `request` (the body as sent) as read by any template that sees the context.
fn context_reads(behaviour: &OperationBehaviour) -> (bool, bool, bool) {
    let reads = |templates: &[&Template], name: &str| {
        templates.iter().flat_map(|t| t.variables()).any(|v| v.split('.').next() == Some(name))
    };
    // The answer's templates, for `stored` and `count`.
    let answer: Vec<&Template> =
        behaviour.body.iter().chain(behaviour.headers.iter().map(|(_, t)| t)).collect();
    let (reads_stored, reads_count) = (reads(&answer, "stored"), reads(&answer, "count"));
    // Every template that sees the operation context, for `request`.
    let mut everywhere = answer;
    everywhere.extend(&behaviour.item);
    if let Some(KeySource::Template(t)) = &behaviour.key {
        everywhere.push(t);
    }
    for e in &behaviour.exists {
        everywhere.push(&e.key);
        everywhere.extend(e.fields.iter().map(|(_, t)| t));
    }
    everywhere.extend(behaviour.via.iter().flat_map(|v| v.filter.iter().map(|(_, t)| t)));
    everywhere.extend(behaviour.set.iter().filter_map(|(_, v)| match v {
        SetValue::Template(t) => Some(t),
        SetValue::Random { .. } => None,
    }));
    for canned in &behaviour.respond {
        everywhere.extend(canned.body.iter().chain(canned.headers.iter().map(|(_, t)| t)));
    }
    (reads_stored, reads_count, reads(&everywhere, "request"))
}
