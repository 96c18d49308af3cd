//! A contract's parameters as the loader reads them: path-level and operation-level
//! parameters merged, each with the kind its schema gives it (how a query, path or header
//! text converts), form fields of `application/x-www-form-urlencoded` and `multipart` bodies,
//! and the check that every `{param}` of a path is declared.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::contract::document::deref;
use crate::contract::model::{FormField, Parameter, ParameterLocation, ValueKind};
use crate::contract::schema::Direction;
use crate::error::LoadError;
use crate::json::pointer::push_token;

use super::Builder;

impl Builder<'_> {
    pub(super) fn parameters(
        &self,
        id: &str,
        item: &Value,
        item_pointer: &str,
        op: &Value,
        op_pointer: &str,
    ) -> Result<Vec<Parameter>, LoadError> {
        let mut parameters: Vec<Parameter> = Vec::new();
        for (holder, holder_pointer) in [(item, item_pointer), (op, op_pointer)] {
            let Some(list) = holder.get("parameters") else { continue };
            let Some(list) = list.as_array() else {
                let pointer = format!("{holder_pointer}/parameters");
                return Err(self.error(id, &pointer, "`parameters` must be an array"));
            };
            for (i, raw) in list.iter().enumerate() {
                let pointer = format!("{holder_pointer}/parameters/{i}");
                let (raw, pointer) = self.follow(raw, &pointer);
                let parameter = self.parameter(id, raw, &pointer)?;
                // Operation-level parameters override path-level ones with the same name and place.
                parameters
                    .retain(|p| !(p.name == parameter.name && p.location == parameter.location));
                parameters.push(parameter);
            }
        }
        // Kept for the life of the process: no room for more (`content` says why).
        parameters.shrink_to_fit();
        Ok(parameters)
    }

    pub(super) fn parameter(
        &self,
        id: &str,
        raw: &Value,
        pointer: &str,
    ) -> Result<Parameter, LoadError> {
        let name = raw
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(id, pointer, "a parameter needs a `name`"))?;
        let location = match raw.get("in").and_then(Value::as_str) {
            Some("path") => ParameterLocation::Path,
            Some("query") => ParameterLocation::Query,
            Some("header") => ParameterLocation::Header,
            Some("cookie") => ParameterLocation::Cookie,
            other => {
                let message = format!(
                    "parameter `{name}`: `in` must be path, query, header or cookie, not {}",
                    other.map_or("nothing".to_owned(), |o| format!("`{o}`"))
                );
                return Err(self.error(id, pointer, message));
            }
        };
        let required = raw.get("required").and_then(Value::as_bool).unwrap_or(false);
        if location == ParameterLocation::Path && !required {
            let message = format!("path parameter `{name}` must be `required: true`");
            return Err(self.error(id, pointer, message));
        }
        let style = raw.get("style").and_then(Value::as_str);
        let default_explode =
            matches!(location, ParameterLocation::Query | ParameterLocation::Cookie)
                && style.is_none_or(|s| s == "form");
        let explode = raw.get("explode").and_then(Value::as_bool).unwrap_or(default_explode);
        let delimiter = match style {
            Some("spaceDelimited") => ' ',
            Some("pipeDelimited") => '|',
            _ => ',',
        };
        let (schema, schema_pointer) = match raw.get("schema") {
            Some(schema) => (Some(schema), format!("{pointer}/schema")),
            None => {
                // `content` with a single media type may replace `schema`.
                let media =
                    raw.get("content").and_then(Value::as_object).and_then(|c| c.iter().next());
                match media {
                    Some((media, object)) if object.get("schema").is_some() => (
                        object.get("schema"),
                        format!("{}/schema", push_token(&format!("{pointer}/content"), media)),
                    ),
                    _ => (None, String::new()),
                }
            }
        };
        let (kind, item_kind) = match schema {
            Some(schema) => (self.kind_of(schema), self.item_kind_of(schema)),
            None => (ValueKind::String, ValueKind::String),
        };
        let schema = match schema {
            Some(_) => Some(self.compile(Direction::Request, id, &schema_pointer)?),
            None => None,
        };
        Ok(Parameter {
            name: name.to_owned(),
            location,
            required,
            explode,
            delimiter,
            kind,
            item_kind,
            schema,
        })
    }

    /// The JSON type of a schema, for turning parameter text into a value.
    pub(super) fn kind_of(&self, schema: &Value) -> ValueKind {
        let schema = deref(self.document, schema);
        let type_name = match schema.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(types)) => {
                types.iter().filter_map(Value::as_str).find(|t| *t != "null")
            }
            _ => None,
        };
        match type_name {
            Some("integer") => ValueKind::Integer,
            Some("number") => ValueKind::Number,
            Some("boolean") => ValueKind::Boolean,
            Some("array") => ValueKind::Array,
            Some("object") => ValueKind::Object,
            Some(_) => ValueKind::String,
            None => {
                // A composition (`allOf: [{$ref}]`) takes the type of its first branch.
                for keyword in ["allOf", "anyOf", "oneOf"] {
                    if let Some(first) = schema.get(keyword).and_then(|b| b.get(0)) {
                        return self.kind_of(first);
                    }
                }
                ValueKind::String
            }
        }
    }

    /// The JSON type of the items of an array schema (following `$ref`s to the array).
    pub(super) fn item_kind_of(&self, schema: &Value) -> ValueKind {
        let schema = deref(self.document, schema);
        let items = schema.get("items").or_else(|| {
            // A composition (`allOf: [{$ref}]`) takes the items of its first branch.
            ["allOf", "anyOf", "oneOf"]
                .iter()
                .find_map(|k| deref(self.document, schema.get(*k)?.get(0)?).get("items"))
        });
        self.kind_of(items.unwrap_or(&Value::Null))
    }

    /// The fields a form body's schema declares (its `properties`, and those of its `allOf`
    /// branches), with the JSON type each field's text is converted to.
    pub(super) fn form_fields(
        &self,
        schema: &Value,
        fields: &mut BTreeMap<String, FormField>,
        depth: usize,
    ) {
        let schema = deref(self.document, schema);
        if depth > 8 {
            return;
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                let field = FormField {
                    kind: self.kind_of(property),
                    item_kind: self.item_kind_of(property),
                };
                fields.entry(name.clone()).or_insert(field);
            }
        }
        for branch in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.form_fields(branch, fields, depth + 1);
        }
    }

    pub(super) fn check_path_parameters(
        &self,
        id: &str,
        path: &str,
        parameters: &[Parameter],
        pointer: &str,
    ) -> Result<(), LoadError> {
        let names = crate::contract::route::template_names(path);
        for name in &names {
            if !parameters.iter().any(|p| p.location == ParameterLocation::Path && &p.name == name)
            {
                let message = format!(
                    "path template names `{{{name}}}` but no path parameter `{name}` is declared"
                );
                return Err(self.error(id, pointer, message));
            }
        }
        for p in parameters.iter().filter(|p| p.location == ParameterLocation::Path) {
            if !names.contains(&p.name) {
                let message =
                    format!("path parameter `{}` does not appear in the path `{path}`", p.name);
                return Err(self.error(id, pointer, message));
            }
        }
        Ok(())
    }
}
