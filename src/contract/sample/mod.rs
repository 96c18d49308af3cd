//! Values generated from a schema: the samples of documented responses that carry no example,
//! made once at load, and the varied values of dynamic answers, made per request.
//!
//! A **static** sample is Prism's "static" mode: the first usable of `const`,
//! `examples`/`example`, `default` and `enum`; otherwise a value built from `type` and `format`
//! that meets every constraint (see `scalar.rs`), with every property of an object filled in
//! (only the required ones, and only the items `minItems` asks for, past a depth of six, so
//! recursive schemas end). `allOf` is merged
//! into one schema (`compose.rs`); `oneOf`/`anyOf` take the first branch whose value the
//! compiled validator accepts. The same document always gives the same samples: the few random
//! draws (text for a `pattern`, distinct items) come from a fixed seed. A sample is checked
//! against its schema when it is made; one that fails is made again with every example and
//! choice checked, then stripped of the optional parts the validator names, and one that still
//! fails is logged (at debug) and left for the self-check to report.
//!
//! A **varied** value (`Prefer: dynamic=true`, `serve --dynamic`) ignores examples and draws
//! everything: realistic strings by property name and format (`realistic.rs`), numbers within
//! their range, a random member of an `enum`, a random branch, one to three items. It is
//! checked against the compiled schema, stripped like a static one when it fails, drawn again
//! when that does not do, and the caller falls back to the static sample when no draw passes.
//!
//! # Rooms
//!
//! * `compose`: `allOf` (and the keywords beside `oneOf`/`anyOf`) merged into one schema.
//! * `scalar`: strings and numbers that meet format, pattern, lengths, ranges and multiples.
//! * `realistic`: names, emails, dates, URLs... chosen by property name, from `fake`.
//! * `fit`: the keywords of one node that can be checked without a validator; patterns.

mod compose;
mod fit;
mod realistic;
mod scalar;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};

use crate::contract::document::resolve_local;
use crate::contract::model::{HeaderSpec, MediaType};
use crate::contract::schema::Schema;
use crate::json::pointer::push_token;

/// Depth below which optional properties are still filled in.
const OPTIONAL_DEPTH: usize = 6;
/// Depth at which generation gives up (a cyclic schema with required recursion).
const MAX_DEPTH: usize = 24;
/// The seed of the draws a static sample needs: fixed, so samples never change.
const STATIC_SEED: u64 = 0x5eed;
/// How many varied values are drawn before falling back to the static sample.
const ATTEMPTS: usize = 6;

/// Compiles the schema at a pointer of the document (`None`: it cannot be compiled).
pub(crate) type Compile<'a> = &'a dyn Fn(&str) -> Option<Schema>;

/// The static sample of the schema at `pointer` of `document`, checked with the validators
/// `compile` gives (see the module docs). `bound` is that schema with its `$dynamicRef`s bound
/// (`Resources::bind_dynamic`), generated from instead when given; its parts have no pointers.
pub(crate) fn generate(
    document: &Value,
    pointer: &str,
    bound: Option<&Value>,
    compile: Compile<'_>,
) -> Option<Value> {
    let schema = match bound {
        Some(bound) => bound,
        None => document.pointer(pointer)?,
    };
    let at = if bound.is_some() { None } else { Some(pointer) };
    let mut rng = fastrand::Rng::with_seed(STATIC_SEED);
    let mut generator = Generator::new(document, &mut rng, false);
    generator.compile = Some(compile);
    let first = generator.value(schema, at, 0, None);
    let Some(validator) = compile(pointer) else { return Some(first) };
    if validator.is_valid(&first) {
        return Some(first);
    }
    let mut rng = fastrand::Rng::with_seed(STATIC_SEED);
    let mut generator = Generator::new(document, &mut rng, false);
    generator.compile = Some(compile);
    generator.thorough = true;
    let second = generator.value(schema, at, 0, None);
    let repaired = repair(second, &validator);
    let errors = validator.errors(&repaired);
    if let Some(error) = errors.first() {
        tracing::debug!(
            pointer,
            at = %error.pointer,
            error = %error.message,
            "a sample generated from the schema does not fit it",
        );
    }
    Some(repaired)
}

/// A varied value for `schema` (compiled, its pointer into `document`): `None` when no draw
/// passes the schema. `name` is the property or header it is for.
pub(crate) fn vary(
    document: &Value,
    schema: &Schema,
    name: Option<&str>,
    rng: &mut fastrand::Rng,
) -> Option<Value> {
    let (node, at) = match &schema.bound {
        Some(bound) => (bound.as_ref(), None),
        None => (document.pointer(&schema.pointer)?, Some(schema.pointer.as_str())),
    };
    for _ in 0..ATTEMPTS {
        let value = Generator::new(document, rng, true).value(node, at, 0, name);
        if schema.is_valid(&value) {
            return Some(value);
        }
        let value = repair(value, schema);
        if schema.is_valid(&value) {
            return Some(value);
        }
    }
    None
}

/// The static sample of `schema`, a node of `document` (or a part of one), made without a
/// validator: the value for a part an answer lacks (`shape.rs`), on the request path. `name` is
/// the property it is for.
pub(crate) fn sample_of(document: &Value, schema: &Value, name: Option<&str>) -> Value {
    let mut rng = fastrand::Rng::with_seed(STATIC_SEED);
    Generator::new(document, &mut rng, false).value(schema, None, 0, name)
}

/// Whether `text` matches the regular expression `pattern` (compiled once per process; a
/// pattern the `regex` crate cannot read matches everything).
pub(crate) fn matches_pattern(pattern: &str, text: &str) -> bool {
    fit::pattern(pattern).test.as_ref().is_none_or(|test| test.is_match(text))
}

/// Whether `value` has one of the JSON types `types` (a `type` keyword) names; any, without.
pub(crate) fn has_type(types: Option<&Value>, value: &Value) -> bool {
    fit::type_fits(types, value)
}

/// Values generated afresh for each answer (dynamic mode), from the response document.
#[derive(Debug)]
pub(crate) struct Varied<'a> {
    document: &'a Value,
    rng: fastrand::Rng,
}

impl<'a> Varied<'a> {
    /// Varied values for schemas of `document` (the response-direction one), drawn from `rng`.
    pub(crate) fn new(document: &'a Value, rng: fastrand::Rng) -> Varied<'a> {
        Varied { document, rng }
    }

    /// A varied body for `media` (`None`: it has no schema, or no draw passed it).
    pub(crate) fn body(&mut self, media: &MediaType) -> Option<Value> {
        vary(self.document, media.schema.as_ref()?, None, &mut self.rng)
    }

    /// A varied value for a documented response header, as text.
    pub(crate) fn header(&mut self, header: &HeaderSpec) -> Option<String> {
        let schema = header.schema.as_ref()?;
        let value = vary(self.document, schema, Some(&header.name), &mut self.rng)?;
        Some(crate::json::text::as_text(&value))
    }
}

/// One walk over a schema.
struct Generator<'a> {
    document: &'a Value,
    rng: &'a mut fastrand::Rng,
    /// Draw realistic, random values (dynamic mode, or distinct items of a static array).
    varied: bool,
    /// Validators for checking choices (at load only: compiling is start-up work).
    compile: Option<Compile<'a>>,
    /// Also check examples and defaults that are objects or arrays.
    thorough: bool,
}

impl<'a> Generator<'a> {
    fn new(document: &'a Value, rng: &'a mut fastrand::Rng, varied: bool) -> Generator<'a> {
        Generator { document, rng, varied, compile: None, thorough: false }
    }

    /// A value for `schema` (at `pointer` when it sits somewhere in the document), for a
    /// property or header called `name`.
    fn value(
        &mut self,
        schema: &Value,
        pointer: Option<&str>,
        depth: usize,
        name: Option<&str>,
    ) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let Some(object) = schema.as_object() else {
            return Value::Null; // `true` accepts anything; `false` nothing: null either way
        };
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            return match resolve_local(self.document, reference) {
                Some(target) => {
                    let at = compose::fragment(reference);
                    self.value(target, at.as_deref(), depth + 1, name)
                }
                None => Value::Null,
            };
        }
        if object.contains_key("allOf") {
            let flat = compose::flatten(self.document, object, pointer, depth);
            return self.node(&flat, pointer, depth, name);
        }
        self.node(object, pointer, depth, name)
    }

    /// A value for a schema node with no `$ref` or `allOf` left.
    fn node(
        &mut self,
        object: &Map<String, Value>,
        pointer: Option<&str>,
        depth: usize,
        name: Option<&str>,
    ) -> Value {
        if let Some(value) = object.get("const") {
            return value.clone();
        }
        if let Some(value) = self.documented(object, pointer) {
            return value;
        }
        if let Some(value) = self.member(object) {
            return value;
        }
        if object.contains_key("oneOf") || object.contains_key("anyOf") {
            return self.choose(object, pointer, depth, name);
        }
        match type_of(object) {
            Some("object") => self.object(object, pointer, depth, name),
            Some("array") => self.array(object, pointer, depth, name),
            Some("integer") => scalar::number(object, true, name, self.rng, self.varied),
            Some("number") => scalar::number(object, false, name, self.rng, self.varied),
            Some("boolean") => Value::Bool(!self.varied || self.rng.bool()),
            Some("null") => Value::Null,
            _ => Value::String(scalar::string(object, name, self.rng, self.varied)),
        }
    }

    /// The schema's own example, or its default, when it fits: static samples only (and
    /// varied ones of a schema that says nothing else).
    fn documented(&self, object: &Map<String, Value>, pointer: Option<&str>) -> Option<Value> {
        let silent = type_of(object).is_none()
            && !["oneOf", "anyOf", "enum"].iter().any(|k| object.contains_key(*k));
        if self.varied && !silent {
            return None;
        }
        let candidates = [
            object.get("examples").and_then(|e| e.get(0)),
            object.get("example"),
            object.get("default"),
        ];
        candidates.into_iter().flatten().find(|value| self.accepts(object, pointer, value)).cloned()
    }

    /// Whether `value` may stand for the schema: scalars are checked here; objects and arrays
    /// by the validator in a thorough walk, else taken as they are.
    fn accepts(&self, object: &Map<String, Value>, pointer: Option<&str>, value: &Value) -> bool {
        if !fit::fits(object, value) {
            return false;
        }
        if !(value.is_object() || value.is_array()) || !self.thorough {
            return true;
        }
        match (self.compile, pointer) {
            (Some(compile), Some(pointer)) => compile(pointer).is_none_or(|s| s.is_valid(value)),
            _ => true,
        }
    }

    /// A member of the schema's `enum`: the first that fits (static) or a random one.
    fn member(&mut self, object: &Map<String, Value>) -> Option<Value> {
        let members = object.get("enum")?.as_array()?;
        let fitting: Vec<&Value> = members.iter().filter(|m| fit::fits(object, m)).collect();
        let pool = if fitting.is_empty() { members.iter().collect() } else { fitting };
        let chosen: Vec<&Value> = match pool.iter().any(|m| !m.is_null()) {
            true => pool.into_iter().filter(|m| !m.is_null()).collect(),
            false => pool,
        };
        let index = if self.varied { self.rng.usize(..chosen.len().max(1)) } else { 0 };
        chosen.get(index).map(|m| (*m).clone())
    }

    /// A value of one branch of `oneOf`/`anyOf` (merged with the keywords beside it): the
    /// first (static) or a random (varied) one, non-null branches first; at load, the first
    /// whose value the node's validator accepts.
    fn choose(
        &mut self,
        object: &Map<String, Value>,
        pointer: Option<&str>,
        depth: usize,
        name: Option<&str>,
    ) -> Value {
        let keyword = if object.contains_key("oneOf") { "oneOf" } else { "anyOf" };
        let mut rest = object.clone();
        let branches = match rest.remove(keyword) {
            Some(Value::Array(branches)) if !branches.is_empty() => branches,
            _ => return self.node(&rest, pointer, depth, name),
        };
        let is_null = |branch: &Value| {
            let (target, _) = compose::follow(self.document, branch, None);
            target.get("type") == Some(&Value::String("null".into()))
        };
        let mut order: Vec<usize> =
            (0..branches.len()).filter(|i| !is_null(&branches[*i])).collect();
        if self.varied {
            self.rng.shuffle(&mut order);
        }
        order.extend((0..branches.len()).filter(|i| is_null(&branches[*i])));
        let validator = match (self.compile, pointer) {
            (Some(compile), Some(pointer)) => compile(pointer),
            _ => None,
        };
        let plain = compose::is_annotation_only(&rest);
        let mut first = None;
        for i in order {
            let at = pointer.map(|p| format!("{p}/{keyword}/{i}"));
            let candidate = if plain {
                let at = at.as_deref();
                self.value(&branches[i], at, depth + 1, name)
            } else {
                let mut merged = compose::own(&rest, pointer);
                let examples = !rest.contains_key("properties");
                if let Some(branch) = compose::branch_schema(self.document, &branches[i], at, depth)
                {
                    compose::merge_into(&mut merged, branch, examples);
                }
                self.value(&Value::Object(merged), None, depth + 1, name)
            };
            let candidate = discriminate(object, &branches[i], candidate);
            match &validator {
                Some(validator) if !validator.is_valid(&candidate) => {
                    first.get_or_insert(candidate);
                }
                _ => return candidate,
            }
        }
        first.unwrap_or(Value::Null)
    }

    fn object(
        &mut self,
        object: &Map<String, Value>,
        pointer: Option<&str>,
        depth: usize,
        name: Option<&str>,
    ) -> Value {
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let properties = object.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let mut chosen: Vec<&String> = properties
            .iter()
            .filter(|(_, schema)| **schema != Value::Bool(false)) // writeOnly in a response
            .filter(|(key, _)| depth < OPTIONAL_DEPTH || required.contains(&key.as_str()))
            .map(|(key, _)| key)
            .collect();
        if let Some(max) = object.get("maxProperties").and_then(Value::as_u64) {
            let mut room = (max as usize).saturating_sub(required.len());
            chosen.retain(|key| {
                let keep = required.contains(&key.as_str()) || room > 0;
                if keep && !required.contains(&key.as_str()) {
                    room -= 1;
                }
                keep
            });
        }
        let at = |key: &str| pointer.map(|p| push_token(&format!("{p}/properties"), key));
        let mut out = Map::new();
        for key in chosen {
            let value = self.value(&properties[key], at(key).as_deref(), depth + 1, Some(key));
            out.insert(key.clone(), value);
        }
        // Required names no property declares: from `patternProperties` or
        // `additionalProperties`.
        for key in required {
            if out.contains_key(key) {
                continue;
            }
            if let Some(schema) = extra_schema(object, key) {
                let value = self.value(&schema, None, depth + 1, Some(key));
                out.insert(key.to_owned(), value);
            }
        }
        let min = object.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        let mut n = 0;
        while out.len() < min && n < min + 16 {
            n += 1;
            // Declared properties first (those left out past the optional depth).
            if let Some(key) = properties
                .keys()
                .find(|k| !out.contains_key(*k) && properties[*k] != Value::Bool(false))
            {
                let value = self.value(&properties[key], at(key).as_deref(), depth + 1, Some(key));
                out.insert(key.clone(), value);
                continue;
            }
            let Some(key) = self.extra_key(object, n) else { break };
            let Some(schema) = extra_schema(object, &key) else { break };
            let value = self.value(&schema, None, depth + 1, Some(&key));
            out.insert(key, value);
        }
        let _ = name;
        Value::Object(out)
    }

    /// A name for an undeclared property: drawn from a `patternProperties` pattern or from
    /// `propertyNames`, else `additionalProp1` (Swagger UI's word).
    fn extra_key(&mut self, object: &Map<String, Value>, n: usize) -> Option<String> {
        let patterns = object.get("patternProperties").and_then(Value::as_object);
        let names = object.get("propertyNames").map(|s| compose::follow(self.document, s, None).0);
        let source = patterns.and_then(|p| p.keys().next().cloned()).or_else(|| {
            names.and_then(|s| s.get("pattern")).and_then(Value::as_str).map(str::to_owned)
        });
        match source {
            Some(source) => {
                let compiled = fit::pattern(&source);
                let generator = compiled.draw.as_ref()?;
                (0..16)
                    .map(|_| generator.draw(self.rng))
                    .find(|k| !k.is_empty() && !object.contains_key(k))
            }
            None => Some(format!("additionalProp{n}")),
        }
    }

    fn array(
        &mut self,
        object: &Map<String, Value>,
        pointer: Option<&str>,
        depth: usize,
        name: Option<&str>,
    ) -> Value {
        let min = object.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = object.get("maxItems").and_then(Value::as_u64).map(|m| m as usize);
        // Past the optional depth only the items needed: recursive lists end.
        let mut count = match (depth >= OPTIONAL_DEPTH, self.varied) {
            (true, _) => min,
            (false, true) => self.rng.usize(min.max(1)..=min.max(1) + 2),
            (false, false) => min.max(1),
        };
        if let Some(max) = max {
            count = count.min(max);
        }
        let empty = Vec::new();
        let prefix = object.get("prefixItems").and_then(Value::as_array).unwrap_or(&empty);
        let items = object.get("items").cloned().unwrap_or(Value::Bool(true));
        if items == Value::Bool(false) {
            count = count.min(prefix.len());
        }
        let contains = object
            .get("contains")
            .filter(|_| object.get("minContains").and_then(Value::as_u64).is_none_or(|m| m > 0));
        let unique = object.get("uniqueItems") == Some(&Value::Bool(true));
        let mut out: Vec<Value> = Vec::with_capacity(count);
        for i in 0..count {
            let (schema, at) = if i < prefix.len() {
                (&prefix[i], pointer.map(|p| format!("{p}/prefixItems/{i}")))
            } else if let Some(contains) = contains.filter(|_| i == prefix.len()) {
                (contains, pointer.map(|p| format!("{p}/contains")))
            } else {
                (&items, pointer.map(|p| format!("{p}/items")))
            };
            let mut item = self.value(schema, at.as_deref(), depth + 1, name);
            if unique && out.contains(&item) {
                let varied = std::mem::replace(&mut self.varied, true);
                for _ in 0..16 {
                    item = self.value(schema, at.as_deref(), depth + 1, name);
                    if !out.contains(&item) {
                        break;
                    }
                }
                self.varied = varied;
                if out.contains(&item) {
                    break; // no distinct value to be had
                }
            }
            out.push(item);
        }
        Value::Array(out)
    }
}

/// The type to generate: the first non-null one of `type`, else the one the other keywords
/// imply (`properties` → object, `items` → array, `pattern` → string, `minimum` → number).
fn type_of(object: &Map<String, Value>) -> Option<&str> {
    match object.get("type") {
        Some(Value::String(t)) => return Some(t),
        Some(Value::Array(types)) => {
            let mut names = types.iter().filter_map(Value::as_str);
            return names.clone().find(|t| *t != "null").or_else(|| names.next());
        }
        _ => {}
    }
    let has = |keys: &[&str]| keys.iter().any(|k| object.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
    ]) {
        Some("object")
    } else if has(&["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"]) {
        Some("array")
    } else if has(&["minLength", "maxLength", "pattern"]) {
        Some("string")
    } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
        match object.get("format").and_then(Value::as_str) {
            Some("int32" | "int64") => Some("integer"),
            _ => Some("number"),
        }
    } else {
        None
    }
}

/// The schema of an undeclared property `key`: the `patternProperties` it matches, else
/// `additionalProperties` (`None` when that forbids it).
fn extra_schema(object: &Map<String, Value>, key: &str) -> Option<Value> {
    if let Some(patterns) = object.get("patternProperties").and_then(Value::as_object) {
        for (pattern, schema) in patterns {
            if fit::pattern(pattern).test.as_ref().is_some_and(|t| t.is_match(key)) {
                return Some(schema.clone());
            }
        }
    }
    match object.get("additionalProperties") {
        Some(Value::Bool(false)) => None,
        Some(schema @ Value::Object(_)) => Some(schema.clone()),
        _ => Some(Value::Object(Map::new())),
    }
}

/// `candidate` with the discriminator property set to the name that maps to `branch`, when
/// the node declares a `discriminator` and the branch is a reference.
fn discriminate(object: &Map<String, Value>, branch: &Value, mut candidate: Value) -> Value {
    let Some(discriminator) = object.get("discriminator") else { return candidate };
    let Some(property) = discriminator.get("propertyName").and_then(Value::as_str) else {
        return candidate;
    };
    let Some(reference) = branch.get("$ref").and_then(Value::as_str) else { return candidate };
    let mapped = discriminator
        .get("mapping")
        .and_then(Value::as_object)
        .and_then(|m| m.iter().find(|(_, target)| target.as_str() == Some(reference)))
        .map(|(key, _)| key.clone());
    let name =
        mapped.unwrap_or_else(|| reference.rsplit('/').next().unwrap_or_default().to_owned());
    if let Some(Value::String(current)) = candidate.get_mut(property)
        && !name.is_empty()
    {
        *current = name;
    }
    candidate
}

/// `value` stripped, one member at a time, of what the validator names, while that lowers the
/// number of errors: optional properties and surplus items that cannot be made to fit.
fn repair(mut value: Value, schema: &Schema) -> Value {
    for _ in 0..16 {
        let errors = schema.errors(&value);
        if errors.is_empty() {
            break;
        }
        let mut places: Vec<String> = Vec::new();
        for error in &errors {
            if !error.pointer.is_empty() {
                places.push(error.pointer.clone());
            }
            // Members of an object the error is about (`additionalProperties`, `oneOf`).
            if let Some(Value::Object(map)) = value.pointer(&error.pointer) {
                places.extend(map.keys().map(|k| push_token(&error.pointer, k)));
            }
        }
        places.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
        places.dedup();
        let better = places.iter().take(64).find_map(|place| {
            let mut trial = value.clone();
            (remove(&mut trial, place) && schema.errors(&trial).len() < errors.len())
                .then_some(trial)
        });
        match better {
            Some(trial) => value = trial,
            None => break,
        }
    }
    value
}

/// Removes the member at `pointer`; whether there was one.
fn remove(value: &mut Value, pointer: &str) -> bool {
    let Some((parent, last)) = pointer.rsplit_once('/') else { return false };
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => map.shift_remove(&last).is_some(),
        Some(Value::Array(items)) => match last.parse::<usize>() {
            Ok(index) if index < items.len() => {
                items.remove(index);
                true
            }
            _ => false,
        },
        _ => false,
    }
}
