//! JSON templates: the small language scenario files use for error envelopes and responses.
//!
//! # Format
//!
//! A template is any JSON (or YAML) value. Strings may hold placeholders `{{ path | filter }}`:
//!
//! ```text
//! {"message": "{{message}}", "status": "{{status}}", "code": "{{code}}"}
//! ```
//!
//! * A string that is exactly one placeholder is replaced by the value itself, keeping its JSON
//!   type: `"{{status}}"` becomes the number `400`, `"{{items}}"` an array.
//! * Placeholders inside a longer string are interpolated as text (strings unquoted, other
//!   values as compact JSON).
//! * `path` is dotted (`record.config.provider`, `items.0.id`) into the context the caller
//!   provides; each use documents its variables.
//! * When a whole-value placeholder names nothing, the object key holding it is left out (an
//!   array item becomes `null`). Write `"{{x | or_null}}"` to keep the key with `null`.
//! * Filters, applied left to right: `json` (the value as a JSON text), `base64`, `lower`,
//!   `upper`, `string` (as text), `default:<JSON>` (this value when missing or `null`, e.g.
//!   `{{record.enable | default:false}}`), and `or_null` (`null` when missing).
//!
//! Templates are parsed once, when the scenario loads; rendering does no parsing.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::json::member::{member, member_mut};
use crate::json::text::{as_text, compact};

/// What placeholders read: the context's top-level values by name. A JSON object is one; so
/// is [`With`], which lends a value (a stored record) to a template without copying it into
/// the context.
pub trait Scope {
    /// The value under a top-level name.
    fn root(&self, name: &str) -> Option<&Value>;
}

impl Scope for Value {
    fn root(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(map) => member(map, name),
            Value::Array(items) => items.get(name.parse::<usize>().ok()?),
            _ => None,
        }
    }
}

/// A scope with one more name, in front of `rest`.
pub struct With<'a, S: ?Sized> {
    /// The name.
    pub name: &'a str,
    /// Its value.
    pub value: &'a Value,
    /// Every other name.
    pub rest: &'a S,
}

impl<S: Scope + ?Sized> Scope for With<'_, S> {
    fn root(&self, name: &str) -> Option<&Value> {
        if name == self.name { Some(self.value) } else { self.rest.root(name) }
    }
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    /// A literal value with no placeholders.
    Literal(Value),
    /// A string that is exactly one placeholder.
    Whole(Expression),
    /// A string mixing text and placeholders.
    Text(Vec<Piece>),
    /// An array of templates.
    Array(Vec<Template>),
    /// An object of templates.
    Object(Vec<(String, Template)>),
}

/// Part of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Literal text.
    Text(String),
    /// A placeholder.
    Expression(Expression),
}

/// `path | filter | filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    path: Vec<String>,
    filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Json,
    Base64,
    Lower,
    Upper,
    OrNull,
    String,
    Default(Value),
}

/// A template that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {location}: {message}")]
pub struct TemplateError {
    /// JSON pointer of the string inside the template.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// What is wrong with the placeholders of one string, before it is located in the template
/// (a [`TemplateError`] carries its text as `message`).
#[derive(Debug, thiserror::Error)]
enum PlaceholderError {
    /// `{{` without its `}}`.
    #[error("unclosed `{{{{` in `{text}`")]
    Unclosed {
        /// The whole string.
        text: String,
    },
    /// A placeholder that does not start with a dotted path.
    #[error("`{{{{{text}}}}}` needs a dotted path such as `record.id`")]
    NoPath {
        /// What is between the braces.
        text: String,
    },
    /// `default:` followed by something that is not JSON.
    #[error("`default:` takes a JSON value (`default:false`, `default:\"x\"`): {source}")]
    BadDefault {
        /// Why the value is not JSON.
        #[source]
        source: serde_json::Error,
    },
    /// A filter that does not exist.
    #[error(
        "unknown filter `{name}` (known: json, base64, lower, upper, string, default:<JSON>, or_null)"
    )]
    UnknownFilter {
        /// Its name as written.
        name: String,
    },
}

impl Template {
    /// Parses a template value.
    pub fn parse(value: &Value) -> Result<Template, TemplateError> {
        parse_at(value, "")
    }

    /// Renders with `context`. Missing values follow the rules in the module docs.
    pub fn render<S: Scope + ?Sized>(&self, context: &S) -> Value {
        self.render_opt(context).unwrap_or(Value::Null)
    }

    /// Renders with `context` into text (headers, keys, messages): strings unquoted, anything
    /// else as compact JSON.
    pub fn render_text<S: Scope + ?Sized>(&self, context: &S) -> String {
        crate::json::text::as_text(&self.render(context))
    }

    fn render_opt<S: Scope + ?Sized>(&self, context: &S) -> Option<Value> {
        match self {
            Template::Literal(value) => Some(value.clone()),
            Template::Whole(expression) => expression.evaluate(context),
            Template::Text(pieces) => {
                let mut out = String::new();
                for piece in pieces {
                    match piece {
                        Piece::Text(text) => out.push_str(text),
                        Piece::Expression(e) => {
                            if let Some(value) = e.evaluate(context) {
                                out.push_str(&as_text(&value));
                            }
                        }
                    }
                }
                Some(Value::String(out))
            }
            Template::Array(items) => {
                Some(Value::Array(items.iter().map(|t| t.render(context)).collect()))
            }
            Template::Object(entries) => {
                let mut map = Map::new();
                for (key, template) in entries {
                    if let Some(value) = template.render_opt(context) {
                        map.insert(key.clone(), value);
                    }
                }
                Some(Value::Object(map))
            }
        }
    }

    /// The variable a template is made of, when it is exactly one top-level variable without
    /// filters (`"{{limit}}"` → `limit`).
    pub fn variable(&self) -> Option<&str> {
        match self {
            Template::Whole(Expression { path, filters }) if filters.is_empty() => {
                match path.as_slice() {
                    [name] => Some(name),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// [`Template::render`] consuming the context: a whole placeholder without filters whose
    /// first path segment no other placeholder reads takes its value out of the context
    /// instead of copying it (a list's items, a record). The result is the same.
    pub fn render_owned(&self, mut context: Value) -> Value {
        let mut roots = Vec::new();
        self.count_roots(&mut roots);
        self.render_taking(&mut context, &roots).unwrap_or(Value::Null)
    }

    /// How many placeholders read each first path segment.
    fn count_roots<'a>(&'a self, counts: &mut Vec<(&'a str, usize)>) {
        let mut count = |e: &'a Expression| {
            let root = e.path.first().map_or("", String::as_str);
            match counts.iter_mut().find(|(r, _)| *r == root) {
                Some((_, n)) => *n += 1,
                None => counts.push((root, 1)),
            }
        };
        match self {
            Template::Literal(_) => {}
            Template::Whole(e) => count(e),
            Template::Text(pieces) => pieces.iter().for_each(|p| {
                if let Piece::Expression(e) = p {
                    count(e);
                }
            }),
            Template::Array(items) => items.iter().for_each(|t| t.count_roots(counts)),
            Template::Object(entries) => entries.iter().for_each(|(_, t)| t.count_roots(counts)),
        }
    }

    fn render_taking(&self, context: &mut Value, roots: &[(&str, usize)]) -> Option<Value> {
        match self {
            Template::Whole(e)
                if e.filters.is_empty()
                    && roots
                        .iter()
                        .any(|(r, n)| e.path.first().is_some_and(|p| p == r) && *n == 1) =>
            {
                lookup_mut(context, &e.path).map(std::mem::take)
            }
            Template::Array(items) => Some(Value::Array(
                items
                    .iter()
                    .map(|t| t.render_taking(context, roots).unwrap_or(Value::Null))
                    .collect(),
            )),
            Template::Object(entries) => {
                let mut map = Map::new();
                for (key, template) in entries {
                    if let Some(value) = template.render_taking(context, roots) {
                        map.insert(key.clone(), value);
                    }
                }
                Some(Value::Object(map))
            }
            other => other.render_opt(context),
        }
    }

    /// Every variable path the template reads (`record.id`), for lint.
    pub fn variables(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect_variables(&mut out);
        out
    }

    fn collect_variables(&self, out: &mut Vec<String>) {
        match self {
            Template::Literal(_) => {}
            Template::Whole(e) => out.push(e.path.join(".")),
            Template::Text(pieces) => {
                for piece in pieces {
                    if let Piece::Expression(e) = piece {
                        out.push(e.path.join("."));
                    }
                }
            }
            Template::Array(items) => items.iter().for_each(|t| t.collect_variables(out)),
            Template::Object(entries) => entries.iter().for_each(|(_, t)| t.collect_variables(out)),
        }
    }
}

fn parse_at(value: &Value, location: &str) -> Result<Template, TemplateError> {
    Ok(match value {
        Value::String(text) if text.contains("{{") => parse_string(text, location)?,
        Value::Array(items) => {
            let parsed: Result<Vec<_>, _> = items
                .iter()
                .enumerate()
                .map(|(i, item)| parse_at(item, &format!("{location}/{i}")))
                .collect();
            let parsed = parsed?;
            if parsed.iter().all(|t| matches!(t, Template::Literal(_))) {
                Template::Literal(value.clone())
            } else {
                Template::Array(parsed)
            }
        }
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                let pointer = crate::json::pointer::push_token(location, key);
                entries.push((key.clone(), parse_at(item, &pointer)?));
            }
            if entries.iter().all(|(_, t)| matches!(t, Template::Literal(_))) {
                Template::Literal(value.clone())
            } else {
                Template::Object(entries)
            }
        }
        other => Template::Literal(other.clone()),
    })
}

fn parse_string(text: &str, location: &str) -> Result<Template, TemplateError> {
    let error = |problem: PlaceholderError| TemplateError {
        location: if location.is_empty() { "/".into() } else { location.to_owned() },
        message: problem.to_string(),
    };
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_owned()));
        }
        let Some(end) = rest[start..].find("}}") else {
            return Err(error(PlaceholderError::Unclosed { text: text.to_owned() }));
        };
        let inner = &rest[start + 2..start + end];
        pieces.push(Piece::Expression(parse_expression(inner).map_err(error)?));
        rest = &rest[start + end + 2..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(match pieces.as_slice() {
        [Piece::Expression(e)] => Template::Whole(e.clone()),
        _ => Template::Text(pieces),
    })
}

fn parse_expression(text: &str) -> Result<Expression, PlaceholderError> {
    let mut parts = text.split('|').map(str::trim);
    let path = parts.next().unwrap_or_default();
    if path.is_empty()
        || !path.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(PlaceholderError::NoPath { text: text.to_owned() });
    }
    let filters = parts
        .map(|name| match name {
            name if name.starts_with("default:") => {
                let literal = &name["default:".len()..];
                serde_json::from_str(literal)
                    .map(Filter::Default)
                    .map_err(|source| PlaceholderError::BadDefault { source })
            }
            "json" => Ok(Filter::Json),
            "base64" => Ok(Filter::Base64),
            "lower" => Ok(Filter::Lower),
            "upper" => Ok(Filter::Upper),
            "or_null" => Ok(Filter::OrNull),
            "string" => Ok(Filter::String),
            other => Err(PlaceholderError::UnknownFilter { name: other.to_owned() }),
        })
        .collect::<Result<_, _>>()?;
    Ok(Expression { path: path.split('.').map(str::to_owned).collect(), filters })
}

impl Expression {
    fn evaluate<S: Scope + ?Sized>(&self, context: &S) -> Option<Value> {
        // Filters read the value where it is: it is copied only when it is the result.
        let mut value: Option<Cow<'_, Value>> = lookup(context, &self.path).map(Cow::Borrowed);
        for filter in &self.filters {
            value = match (filter, value) {
                (Filter::Default(fallback), None) => Some(Cow::Borrowed(fallback)),
                (Filter::Default(fallback), Some(v)) if v.is_null() => {
                    Some(Cow::Borrowed(fallback))
                }
                (Filter::Default(_), Some(v)) => Some(v),
                (Filter::OrNull, None) => Some(Cow::Owned(Value::Null)),
                (_, None) => None,
                (Filter::OrNull, Some(v)) => Some(v),
                (Filter::Json, Some(v)) => Some(Cow::Owned(Value::String(compact(&v)))),
                (Filter::String, Some(v)) => Some(Cow::Owned(Value::String(as_text(&v)))),
                (Filter::Base64, Some(v)) => Some(Cow::Owned(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(as_text(&v)),
                ))),
                (Filter::Lower, Some(v)) => {
                    Some(Cow::Owned(Value::String(as_text(&v).to_lowercase())))
                }
                (Filter::Upper, Some(v)) => {
                    Some(Cow::Owned(Value::String(as_text(&v).to_uppercase())))
                }
            };
        }
        value.map(Cow::into_owned)
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.join("."))
    }
}

/// Looks up a dotted path; numeric segments index arrays.
fn lookup<'a, S: Scope + ?Sized>(context: &'a S, path: &[String]) -> Option<&'a Value> {
    let (first, path) = path.split_first()?;
    let mut value = context.root(first)?;
    for segment in path {
        value = match value {
            Value::Object(map) => member(map, segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

fn lookup_mut<'a>(context: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut value = context;
    for segment in path {
        value = match value {
            Value::Object(map) => member_mut(map, segment)?,
            Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: Value, context: Value) -> Value {
        Template::parse(&template).unwrap().render(&context)
    }

    #[test]
    fn rendering_an_owned_context_gives_the_same_result() {
        let template = Template::parse(&json!({
            "data": "{{items}}", "first": "{{record.id}}", "again": "{{record}}",
            "n": "{{count | string}}", "text": "{{count}} items", "gone": "{{missing}}"
        }))
        .unwrap();
        let context = json!({"items": [{"id": 1}, {"id": 2}], "record": {"id": "r"}, "count": 2});
        assert_eq!(template.render_owned(context.clone()), template.render(&context));
        assert_eq!(template.render_owned(context)["data"], json!([{"id": 1}, {"id": 2}]));
    }

    #[test]
    fn whole_placeholders_keep_their_type() {
        let context = json!({"status": 400, "items": [1, 2], "message": "bad"});
        assert_eq!(
            render(
                json!({"status": "{{status}}", "list": "{{ items }}", "m": "{{message}}"}),
                context
            ),
            json!({"status": 400, "list": [1, 2], "m": "bad"})
        );
    }

    #[test]
    fn interpolation_renders_text() {
        let context = json!({"method": "PUT", "path": "/a", "n": 3, "o": {"k": true}});
        assert_eq!(
            render(json!("Cannot {{method}} {{path}} ({{n}}, {{o}})"), context),
            json!("Cannot PUT /a (3, {\"k\":true})")
        );
    }

    #[test]
    fn missing_values_drop_keys_unless_or_null() {
        let context = json!({"present": null});
        assert_eq!(
            render(
                json!({"a": "{{missing}}", "b": "{{missing | or_null}}", "c": "{{present}}", "d": ["{{missing}}"]}),
                context
            ),
            json!({"b": null, "c": null, "d": [null]})
        );
    }

    #[test]
    fn filters_apply_in_order() {
        let context = json!({"n": 12, "config": {"a": 1}, "name": "Teable"});
        assert_eq!(render(json!("{{n | string}}"), context.clone()), json!("12"));
        assert_eq!(render(json!("{{config | json}}"), context.clone()), json!("{\"a\":1}"));
        assert_eq!(
            render(json!("LlmIntegration:{{n}}"), context.clone()),
            json!("LlmIntegration:12")
        );
        assert_eq!(render(json!("{{name | lower}}"), context.clone()), json!("teable"));
        assert_eq!(render(json!("{{name | base64}}"), context), json!("VGVhYmxl"));
    }

    #[test]
    fn default_fills_missing_and_null_values() {
        let context = json!({"off": null, "on": true});
        assert_eq!(
            render(
                json!({"a": "{{off | default:false}}", "b": "{{on | default:false}}", "c": "{{gone | default:[]}}"}),
                context
            ),
            json!({"a": false, "b": true, "c": []})
        );
        assert!(Template::parse(&json!("{{x | default:nope}}")).is_err());
    }

    #[test]
    fn paths_index_into_arrays() {
        assert_eq!(
            render(json!("{{items.1.id}}"), json!({"items": [{"id": "a"}, {"id": "b"}]})),
            json!("b")
        );
    }

    #[test]
    fn bad_templates_are_rejected_with_their_location() {
        let error = Template::parse(&json!({"a": {"b": "{{oops"}})).unwrap_err();
        assert_eq!(error.location, "/a/b");
        let error = Template::parse(&json!({"a": "{{x | shout}}"})).unwrap_err();
        assert!(error.message.contains("unknown filter `shout`"), "{}", error.message);
        let error = Template::parse(&json!("{{ }}")).unwrap_err();
        assert!(error.message.contains("dotted path"), "{}", error.message);
    }

    #[test]
    fn variables_lists_every_path() {
        let t = Template::parse(&json!({"a": "{{record.id}}", "b": "x {{status}} y"})).unwrap();
        assert_eq!(t.variables(), ["record.id", "status"]);
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::json::arbitrary;

        /// Values whose strings hold no `{{`: templates that are plain JSON.
        fn plain() -> impl Strategy<Value = Value> {
            arbitrary::value().prop_filter("no placeholder", |v| !v.to_string().contains("{{"))
        }

        proptest! {
            #[test]
            fn any_json_parses_or_is_refused_and_renders_without_panicking(
                template in arbitrary::value(),
                context in arbitrary::value(),
            ) {
                if let Ok(parsed) = Template::parse(&template) {
                    let _ = parsed.render(&context);
                    let _ = parsed.render_text(&context);
                    let _ = parsed.variables();
                    let _ = parsed.render_owned(context);
                }
            }

            #[test]
            fn json_without_placeholders_renders_as_itself(template in plain(), context in arbitrary::value()) {
                let parsed = Template::parse(&template).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(parsed.render(&context), template);
            }

            #[test]
            fn a_whole_placeholder_keeps_its_value_and_type(value in arbitrary::value()) {
                prop_assume!(!value.is_null());
                let parsed = Template::parse(&json!({"x": "{{record.v}}"})).unwrap();
                let context = json!({"record": {"v": value.clone()}});
                prop_assert_eq!(parsed.render(&context), json!({"x": value}));
            }

            #[test]
            fn placeholders_inside_text_are_interpolated_as_text(
                before in "[a-z ]{1,6}",
                after in "[a-z ]{0,6}",
                value in arbitrary::value(),
            ) {
                prop_assume!(!value.is_null());
                let parsed = Template::parse(&json!(format!("{before}{{{{v}}}}{after}"))).unwrap();
                let rendered = parsed.render(&json!({"v": value.clone()}));
                prop_assert_eq!(rendered, json!(format!("{before}{}{after}", as_text(&value))));
            }
        }
    }
}
