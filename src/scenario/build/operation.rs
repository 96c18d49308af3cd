//! Operations: one store action on one resource, with its rules, canned answers and templates.
//!
//! Each rule is checked where it is built (its resource exists, its fields are JSON pointers,
//! it applies to the action), and the templates are read once to know which parts of the
//! operation context the engine must build (`reads_*`).

use serde::Deserialize;

use crate::error::LoadError;
use crate::scenario::build::Builder;
use crate::scenario::format::{Direction, NamedOrder, RawOperation, RawOrder, RawRule};
use crate::scenario::model::{
    Action, Alphabet, Canned, Exists, Filter, KeySource, Matching, Merge, OperationBehaviour,
    Order, PageStyle, Pagination, Precondition, Resource, Rule, SetValue, Upsert, Via,
};
use crate::scenario::template::Template;

impl Builder<'_> {
    /// A rule on fields (unique, immutable, require-any), with its default status.
    fn rule(&self, raw: RawRule, default_status: u16, at: &str) -> Result<Rule, LoadError> {
        if raw.fields.is_empty() {
            return Err(self.invalid(at, "needs at least one field"));
        }
        for field in &raw.fields {
            self.pointer(field, &format!("{at}/fields"))?;
        }
        Ok(Rule {
            fields: raw.fields,
            status: raw.status.unwrap_or(default_status),
            message: raw
                .message
                .map(|m| self.text_template(&m, &format!("{at}/message")))
                .transpose()?,
        })
    }

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
        let mut chosen = actions.into_iter().filter_map(|(a, r)| r.map(|r| (a, r)));
        let Some((action, resource)) = chosen.next() else {
            return Err(self.invalid(
                &at,
                "needs one action: list, get, create, update or delete (with the resource name)",
            ));
        };
        if let Some((other, _)) = chosen.next() {
            let message =
                format!("has two actions, `{}` and `{}`", action.as_str(), other.as_str());
            return Err(self.invalid(&at, message));
        }
        let known = |name: &str| resources.iter().find(|r| r.name == name);
        let Some(definition) = known(&resource) else {
            let message = format!("resource `{resource}` is not defined under `resources`");
            return Err(self.invalid(&format!("{at}/{}", action.as_str()), message));
        };
        let key = match op.key {
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
            return Err(self.invalid(&at, message));
        }
        if op.parent.is_some() && definition.parent.is_none() {
            let message = format!("`parent` is set but resource `{resource}` has no parent");
            return Err(self.invalid(&format!("{at}/parent"), message));
        }
        for path in op.paths.keys() {
            self.pointer(path, &format!("{at}/paths"))?;
        }
        for field in op.defaults.keys() {
            self.pointer(field, &format!("{at}/defaults"))?;
        }
        let mut set = Vec::new();
        for (field, value) in op.set {
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
        for field in &op.reveal {
            if !definition.write_only.iter().any(|w| &w.field == field) {
                let message =
                    format!("`{field}` is not a write-only field of resource `{resource}`");
                return Err(self.invalid(&format!("{at}/reveal"), message));
            }
        }
        let mut exists = Vec::new();
        for (i, raw) in op.exists.into_iter().enumerate() {
            let pointer = format!("{at}/exists/{i}");
            if known(&raw.resource).is_none() {
                return Err(
                    self.invalid(&pointer, format!("resource `{}` is not defined", raw.resource))
                );
            }
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
        let mut filters = Vec::new();
        for (i, raw) in op.filters.into_iter().enumerate() {
            let pointer = format!("{at}/filters/{i}");
            let fields: Vec<String> = raw.field.into_iter().chain(raw.fields).collect();
            if fields.is_empty() {
                return Err(self.invalid(&pointer, "needs `field` or `fields`"));
            }
            for field in &fields {
                self.pointer(field, &pointer)?;
            }
            let matching = raw.matching.unwrap_or(Matching::Equals);
            if (matching == Matching::Present) != raw.query.is_none() {
                return Err(self.invalid(
                    &pointer,
                    "`query` names the parameter compared; only `match: present` goes without one",
                ));
            }
            filters.push(Filter { query: raw.query, fields, matching });
        }
        let order = match op.order {
            None | Some(RawOrder::Named(NamedOrder::OldestFirst)) => Order::OldestFirst,
            Some(RawOrder::Named(NamedOrder::NewestFirst)) => Order::NewestFirst,
            Some(RawOrder::Field { field, direction }) => Order::Field {
                field: self.pointer(&field, &format!("{at}/order"))?,
                descending: direction == Direction::Desc,
            },
        };
        let pagination = op.pagination.map(|p| {
            let default_position = if p.style == PageStyle::Page { "page" } else { "cursor" };
            let position = match p.style {
                PageStyle::Page => p.page,
                _ => p.cursor,
            };
            Pagination {
                style: p.style,
                limit_query: p.limit.query,
                default_limit: p.limit.default.max(1),
                max_limit: p.limit.max.max(1),
                position_query: position.map_or_else(|| default_position.to_owned(), |q| q.query),
            }
        });
        let via = match op.via {
            Some(raw) => {
                let pointer = format!("{at}/via");
                if known(&raw.resource).is_none() {
                    return Err(self
                        .invalid(&pointer, format!("resource `{}` is not defined", raw.resource)));
                }
                let filter = raw
                    .filter
                    .iter()
                    .map(|(field, text)| Ok((field.clone(), self.text_template(text, &pointer)?)))
                    .collect::<Result<_, LoadError>>()?;
                Some(Via { resource: raw.resource, filter, field: raw.field })
            }
            None => None,
        };
        let upsert = match op.upsert {
            Some(raw) => {
                let pointer = format!("{at}/upsert");
                for field in raw.fields.iter().chain(raw.paths.keys()) {
                    self.pointer(field, &pointer)?;
                }
                Some(Upsert {
                    fields: raw.fields,
                    merge: raw.merge.unwrap_or(Merge::Merge),
                    paths: raw.paths,
                    status: raw.status,
                })
            }
            None => None,
        };
        let unique: Vec<Rule> = op
            .unique
            .into_iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, 409, &format!("{at}/unique/{i}")))
            .collect::<Result<_, _>>()?;
        let immutable: Vec<Rule> = op
            .immutable
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                self.rule(
                    RawRule { fields: vec![r.field], status: r.status, message: r.message },
                    422,
                    &format!("{at}/immutable/{i}"),
                )
            })
            .collect::<Result<_, _>>()?;
        let require_any =
            op.require_any.map(|r| self.rule(r, 400, &format!("{at}/require-any"))).transpose()?;
        let precondition: Vec<Precondition> = op
            .precondition
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let pointer = format!("{at}/precondition/{i}");
                Ok(Precondition {
                    field: self.pointer(&p.field, &pointer)?,
                    equals: p.equals,
                    status: p.status.unwrap_or(403),
                    message: p.message.map(|m| self.text_template(&m, &pointer)).transpose()?,
                })
            })
            .collect::<Result<_, LoadError>>()?;
        let mut respond = Vec::new();
        for (i, raw) in op.respond.into_iter().enumerate() {
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
        let body = op.body.as_ref().map(|b| self.template(b, &format!("{at}/body"))).transpose()?;
        let item = op.item.as_ref().map(|i| self.template(i, &format!("{at}/item"))).transpose()?;
        let action_rules = [
            ("filters", !filters.is_empty(), action == Action::List),
            ("pagination", pagination.is_some(), action == Action::List),
            ("via", via.is_some(), action == Action::List),
            ("item", item.is_some(), action == Action::List),
            ("upsert", upsert.is_some(), action == Action::Create),
            ("missing", op.missing.is_some(), action == Action::Delete),
            ("immutable", !immutable.is_empty(), action == Action::Update),
            (
                "precondition",
                !precondition.is_empty(),
                matches!(action, Action::Update | Action::Delete),
            ),
        ];
        for (name, used, allowed) in action_rules {
            if used && !allowed {
                return Err(self.invalid(
                    &format!("{at}/{name}"),
                    format!("`{name}` does not apply to `{}`", action.as_str()),
                ));
            }
        }
        let headers = self.headers(&op.headers, &format!("{at}/headers"))?;
        // What templates read (the first segment of a variable), so the engine builds only that.
        let reads = |templates: &[&Template], name: &str| {
            templates.iter().flat_map(|t| t.variables()).any(|v| v.split('.').next() == Some(name))
        };
        // The answer's templates, for `stored` and `count`.
        let answer: Vec<&Template> = body.iter().chain(headers.iter().map(|(_, t)| t)).collect();
        let (reads_stored, reads_count) = (reads(&answer, "stored"), reads(&answer, "count"));
        // Every template that sees the operation context, for `request` (the body as sent).
        let mut everywhere = answer;
        everywhere.extend(&item);
        if let Some(KeySource::Template(t)) = &key {
            everywhere.push(t);
        }
        for e in &exists {
            everywhere.push(&e.key);
            everywhere.extend(e.fields.iter().map(|(_, t)| t));
        }
        everywhere.extend(via.iter().flat_map(|v| v.filter.iter().map(|(_, t)| t)));
        everywhere.extend(set.iter().filter_map(|(_, v)| match v {
            SetValue::Template(t) => Some(t),
            SetValue::Random { .. } => None,
        }));
        for canned in &respond {
            everywhere.extend(canned.body.iter().chain(canned.headers.iter().map(|(_, t)| t)));
        }
        let reads_request = reads(&everywhere, "request");
        Ok(OperationBehaviour {
            action,
            resource,
            key,
            parent: op.parent,
            status: op.status,
            body,
            headers,
            reads_stored,
            reads_count,
            reads_request,
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
            precondition,
            missing: op.missing.map(|m| m.status),
            respond,
            delay: op
                .delay
                .as_deref()
                .map(|d| {
                    crate::duration::Latency::parse(d)
                        .map_err(|e| self.invalid(&format!("{at}/delay"), e.to_string()))
                })
                .transpose()?,
        })
    }
}
