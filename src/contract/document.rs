//! The OpenAPI document as JSON: its `$ref`s, the places that hold schemas, and the facts read
//! straight off it (the server base path, which operation a pointer lies in).
//!
//! Everything here walks the parsed document (a `serde_json::Value`) without building anything:
//! loading (`load/`) uses it to check and follow references, schema rewriting (`schema.rs`)
//! to find every schema to rewrite, `lint` to find every example.

use serde_json::Value;

use crate::error::LoadError;
use crate::json::member::member;
use crate::json::pointer::{self, escape_token, push_token, unescape_token};

/// The HTTP methods an OpenAPI path item can hold, in document order.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Keywords whose value is a single subschema.
pub(crate) const SUBSCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
];
/// Keywords whose value is an array of subschemas.
pub(crate) const SUBSCHEMA_ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of subschemas.
pub(crate) const SUBSCHEMA_MAP_KEYWORDS: &[&str] =
    &["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"];

/// Resolves a local reference (`#/components/schemas/X`) in `doc`. `None` for a reference that
/// is not local or points at nothing.
pub fn resolve_local<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.contains('%') {
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8().ok()?;
        return pointer::pointer(doc, &decoded);
    }
    pointer::pointer(doc, fragment)
}

/// Follows `$ref` chains from `value` until a non-reference object (at most 32 hops, which is
/// far more than any real document and stops cycles).
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match resolve_local(doc, reference) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

// === Finding schemas in an OpenAPI document ===

/// Calls `f` with the JSON pointer of every schema position of an OpenAPI document: component
/// schemas, and the `schema` of every parameter, header, request body and response media type,
/// whether inline in `paths` or under `components`.
pub fn for_each_schema_position(doc: &Value, f: &mut dyn FnMut(&str)) {
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for name in schemas.keys() {
            f(&push_token("/components/schemas", name));
        }
    }
    for (section, kind) in [
        ("parameters", Holder::Parameter),
        ("headers", Holder::Parameter),
        ("requestBodies", Holder::Content),
        ("responses", Holder::Response),
    ] {
        let base = format!("/components/{section}");
        if let Some(map) = doc.pointer(&base).and_then(Value::as_object) {
            for (name, item) in map {
                kind.visit(item, &push_token(&base, name), f);
            }
        }
    }
    // Path items of components: where `bundle.rs` puts those of other files.
    for section in ["/paths", "/components/pathItems"] {
        let Some(items) = doc.pointer(section).and_then(Value::as_object) else { continue };
        for (path, item) in items {
            visit_path_item(item, &push_token(section, path), f);
        }
    }
}

fn visit_path_item(item: &Value, item_pointer: &str, f: &mut dyn FnMut(&str)) {
    visit_parameters(item, item_pointer, f);
    let Some(item) = item.as_object() else { return };
    for (method, operation) in item {
        if !METHODS.contains(&method.as_str()) {
            continue;
        }
        let op_pointer = push_token(item_pointer, method);
        visit_parameters(operation, &op_pointer, f);
        if let Some(body) = operation.get("requestBody") {
            Holder::Content.visit(body, &format!("{op_pointer}/requestBody"), f);
        }
        if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
            for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with("x-")) {
                let pointer = push_token(&format!("{op_pointer}/responses"), status);
                Holder::Response.visit(response, &pointer, f);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Holder {
    /// A parameter or header object: `schema`, or `content`.
    Parameter,
    /// A request body: `content`.
    Content,
    /// A response: `content` and `headers`.
    Response,
}

impl Holder {
    fn visit(self, item: &Value, pointer: &str, f: &mut dyn FnMut(&str)) {
        if item.get("$ref").is_some() {
            return; // the target is visited where it is defined
        }
        if matches!(self, Holder::Parameter) && item.get("schema").is_some() {
            f(&format!("{pointer}/schema"));
        }
        if let Some(content) = item.get("content").and_then(Value::as_object) {
            for (media, media_object) in content {
                if media_object.get("schema").is_some() {
                    f(&format!("{}/schema", push_token(&format!("{pointer}/content"), media)));
                }
            }
        }
        if matches!(self, Holder::Response)
            && let Some(headers) = item.get("headers").and_then(Value::as_object)
        {
            for (name, header) in headers {
                Holder::Parameter.visit(
                    header,
                    &push_token(&format!("{pointer}/headers"), name),
                    f,
                );
            }
        }
    }
}

fn visit_parameters(holder: &Value, pointer: &str, f: &mut dyn FnMut(&str)) {
    if let Some(parameters) = holder.get("parameters").and_then(Value::as_array) {
        for (i, parameter) in parameters.iter().enumerate() {
            Holder::Parameter.visit(parameter, &format!("{pointer}/parameters/{i}"), f);
        }
    }
}

/// Calls `f(pointer, subschema)` for `schema` and every subschema below it (not following
/// `$ref`s, not entering `example`, `default`, `enum` or `const` values).
pub fn walk_schema<'a>(schema: &'a Value, pointer: &str, f: &mut dyn FnMut(&str, &'a Value)) {
    f(pointer, schema);
    let Some(object) = schema.as_object() else { return };
    for (keyword, value) in object {
        let keyword = keyword.as_str();
        if SUBSCHEMA_KEYWORDS.contains(&keyword) {
            if value.is_array() && keyword == "items" {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    walk_schema(item, &format!("{pointer}/items/{i}"), f);
                }
            } else {
                walk_schema(value, &push_token(pointer, keyword), f);
            }
        } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&keyword) {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                walk_schema(item, &format!("{}/{i}", push_token(pointer, keyword)), f);
            }
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword) {
            for (name, item) in value.as_object().into_iter().flatten() {
                walk_schema(item, &push_token(&push_token(pointer, keyword), name), f);
            }
        }
    }
}

/// The path of the first server URL: `https://api.gitbook.com/v1` → `/v1`, `{host}/v1` → `/v1`.
pub(crate) fn base_path(document: &Value) -> String {
    let Some(url) = document.pointer("/servers/0/url").and_then(Value::as_str) else {
        return String::new();
    };
    let without_scheme = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    // Everything from the first `/` that is not inside a `{variable}` is the path.
    let mut depth = 0usize;
    let mut start = None;
    for (i, c) in without_scheme.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                start = Some(i);
                break;
            }
            _ => {}
        }
    }
    // A relative server URL (`/api`) is all path.
    let path = if url.starts_with('/') { url } else { start.map_or("", |i| &without_scheme[i..]) };
    path.trim_end_matches('/').to_owned()
}

/// Names the operation a pointer lies in (`-` when it is outside `paths`).
pub(crate) fn operation_of(document: &Value, pointer: &str) -> String {
    let tokens: Vec<&str> = pointer.split('/').collect();
    if tokens.len() >= 4 && tokens[1] == "paths" && METHODS.contains(&tokens[3]) {
        let op = document.pointer(&tokens[..4].join("/"));
        if let Some(id) = op.and_then(|o| o.get("operationId")).and_then(Value::as_str) {
            return id.to_owned();
        }
        let path = unescape_token(tokens[2]);
        return format!("{} {path}", tokens[3].to_uppercase());
    }
    "-".into()
}

/// Every `$ref` in the document must be local and resolve.
pub(crate) fn check_references(file: &str, document: &Value) -> Result<(), LoadError> {
    /// The path walked so far, as tokens: the pointer is only written out for an error.
    enum Token<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn visit<'a>(
        file: &str,
        document: &Value,
        value: &'a Value,
        path: &mut Vec<Token<'a>>,
    ) -> Result<(), LoadError> {
        match value {
            Value::Object(map) => {
                if let Some(reference) = member(map, "$ref").and_then(Value::as_str) {
                    let problem = if !reference.starts_with('#') {
                        Some("is not local (understudy resolves only `#/...` references)")
                    } else if resolve_local(document, reference).is_none() {
                        Some("does not resolve")
                    } else {
                        None
                    };
                    if let Some(problem) = problem {
                        let pointer: String = path
                            .iter()
                            .map(|token| match token {
                                Token::Key(key) => format!("/{}", escape_token(key)),
                                Token::Index(i) => format!("/{i}"),
                            })
                            .collect();
                        return Err(LoadError::Reference {
                            file: file.to_owned(),
                            operation: operation_of(document, &pointer),
                            pointer: format!("{pointer}/$ref"),
                            reference: reference.to_owned(),
                            problem: problem.to_owned(),
                        });
                    }
                }
                let schemas = matches!(path.last(), Some(Token::Key(k)) if SUBSCHEMA_MAP_KEYWORDS.contains(k));
                for (key, child) in map {
                    // Examples are data, not structure: a `$ref` key inside one is just a key.
                    if matches!(key.as_str(), "example" | "default" | "enum" | "const") {
                        continue;
                    }
                    // Extensions are not read: what they refer to is none of understudy's
                    // business (but a property may be called `x-...`).
                    if key.starts_with("x-") && !schemas {
                        continue;
                    }
                    path.push(Token::Key(key));
                    visit(file, document, child, path)?;
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Token::Index(i));
                    visit(file, document, child, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
    visit(file, document, document, &mut Vec::new())
}

/// The one value a property schema allows: its `const`, or its single-value `enum`.
pub(crate) fn fixed_value<'a>(document: &'a Value, property: &'a Value) -> Option<&'a Value> {
    let property = deref(document, property);
    property.get("const").or_else(|| {
        property.get("enum").and_then(Value::as_array).filter(|e| e.len() == 1)?.first()
    })
}

/// The branch of a `oneOf` / `anyOf` (`branches`, of the schema `object`) a value takes: the
/// one its `discriminator` maps it to, else the first whose `const` and single-value `enum`
/// properties agree with the value. Filling defaults and dropping undeclared fields both
/// follow it, as a validating server's parser would. The request path uses the compiled form
/// of the same rule (`bodies::Choice::pick`); this walk over the document is the tests'.
#[cfg(test)]
pub(crate) fn branch_for<'a>(
    document: &'a Value,
    object: &'a serde_json::Map<String, Value>,
    branches: &'a [Value],
    value: &Value,
) -> Option<&'a Value> {
    let discriminator = object.get("discriminator");
    if let Some(property) =
        discriminator.and_then(|d| d.get("propertyName")).and_then(Value::as_str)
        && let Some(tag) = value.get(property).and_then(Value::as_str)
        && let Some(target) = discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(|m| m.get(tag))
            .and_then(Value::as_str)
    {
        return branches.iter().find(|b| b.get("$ref").and_then(Value::as_str) == Some(target));
    }
    branches.iter().find(|branch| {
        let branch = deref(document, branch);
        let Some(properties) = branch.get("properties").and_then(Value::as_object) else {
            return false;
        };
        properties.iter().all(|(name, property)| {
            match (fixed_value(document, property), value.get(name)) {
                (Some(fixed), Some(actual)) => fixed == actual,
                (Some(_), None) => false,
                (None, _) => true,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn base_path_is_the_path_of_the_first_server() {
        let doc = |url: &str| json!({"servers": [{"url": url}]});
        assert_eq!(base_path(&doc("https://app.teable.ai/api")), "/api");
        assert_eq!(base_path(&doc("{host}/v1")), "/v1");
        assert_eq!(base_path(&doc("https://{handle}.ada.support")), "");
        assert_eq!(base_path(&doc("https://api.arize.com/")), "");
        assert_eq!(base_path(&doc("/relative/")), "/relative");
        assert_eq!(base_path(&json!({})), "");
    }
    #[test]
    fn walk_schema_skips_values_that_are_not_schemas() {
        let schema = json!({"properties": {"a": {"enum": [{"properties": {}}]}}, "items": {"type": "string"}});
        let mut seen = Vec::new();
        walk_schema(&schema, "", &mut |p, _| seen.push(p.to_owned()));
        seen.sort();
        assert_eq!(seen, ["", "/items", "/properties/a"]);
    }
}
