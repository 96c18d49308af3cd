//! External `$ref`s: the files a contract on disk refers to (`./schemas/pet.yaml`,
//! `common.json#/components/schemas/Error`), brought into the document once, at load time.
//!
//! Everything after loading (compiling, following references for samples and defaults, lint,
//! the scenario) reads one document with local references only. So each object another file
//! holds is copied into the document's `components`, under the section its place says it is
//! (a `$ref` under `parameters` names a parameter, under `schema` a schema...) and under a name
//! made of its file and pointer (`schemas.pet.yaml`, `common.json.components.schemas.Error`), and
//! the reference is rewritten to point there. Those names are what error messages then show.
//!
//! Paths are relative to the file that holds the reference, YAML or JSON by extension, and are
//! followed transitively; each target is copied once, so files that refer to each other end. A
//! file that cannot be read, a pointer into nothing, and any `http(s)` reference (understudy
//! never fetches over the network) are load errors naming the referring file, the operation
//! and the pointer of the `$ref`. References inside a schema with an `$id` of its own are left
//! to `ids.rs`: they resolve against that `$id`, not against a file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::contract::document::{
    METHODS, SUBSCHEMA_ARRAY_KEYWORDS, SUBSCHEMA_KEYWORDS, SUBSCHEMA_MAP_KEYWORDS,
};
use crate::contract::ids::fragment_ref;
use crate::error::LoadError;
use crate::json::pointer::{self, escape_token, push_token};

/// What an OpenAPI object is, by where it sits; a reference names an object of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Document,
    Components,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Response,
    MediaType,
    Header,
    Example,
    Link,
    Callback,
    Schema,
    SecurityScheme,
    Encoding,
}

impl Kind {
    /// The `components` section an object of this kind is copied into.
    fn section(self) -> &'static str {
        match self {
            Kind::PathItem => "pathItems",
            Kind::Parameter => "parameters",
            Kind::RequestBody => "requestBodies",
            Kind::Response => "responses",
            Kind::Header => "headers",
            Kind::Example => "examples",
            Kind::Link => "links",
            Kind::Callback => "callbacks",
            Kind::SecurityScheme => "securitySchemes",
            Kind::Schema
            | Kind::Document
            | Kind::Components
            | Kind::Operation
            | Kind::MediaType
            | Kind::Encoding => "schemas",
        }
    }

    /// Whether an object of this kind may be a Reference Object (`{$ref}`).
    fn referable(self) -> bool {
        !matches!(self, Kind::Document | Kind::Components | Kind::Operation | Kind::MediaType)
    }
}

/// Where the walk is: the file, the pointer inside it, the operation it serves.
#[derive(Debug, Clone)]
struct Here {
    /// The file (canonical path; `None`: the contract itself, when it is not on disk).
    file: Option<PathBuf>,
    /// The file as messages name it.
    display: String,
    /// JSON pointer inside that file.
    pointer: String,
    /// The operation this object serves (`-` outside operations).
    operation: String,
    /// The path template, once inside `paths`.
    path: String,
    /// Inside a schema with an `$id`: references resolve against it, not against the file.
    in_id: bool,
}

impl Here {
    fn child(&self, token: &str) -> Here {
        Here { pointer: push_token(&self.pointer, token), ..self.clone() }
    }
}

struct Bundler {
    /// The contract's canonical path, when it is on disk.
    root: Option<PathBuf>,
    /// Files read so far, by canonical path.
    files: HashMap<PathBuf, Value>,
    /// Targets copied so far: (file, pointer) → the local reference that replaces them.
    done: HashMap<(PathBuf, String), String>,
    /// Names taken in each section of `components`.
    taken: HashSet<(&'static str, String)>,
    /// Objects copied in, in order: (section, name, object).
    copied: Vec<(&'static str, String, Value)>,
}

/// Brings the objects of other files that `document` refers to into it (see the module docs).
/// `name` names the contract in messages; `path` is where it is on disk (`None`: it is not,
/// and a reference to another file is an error).
pub(crate) fn bundle(
    name: &str,
    path: Option<&Path>,
    document: &mut Value,
) -> Result<(), LoadError> {
    if !leads_elsewhere(document) {
        // Most documents are one file: nothing to bring in, and no walk over every object.
        return Ok(());
    }
    let root = path.and_then(|p| std::fs::canonicalize(p).ok());
    let mut taken = HashSet::new();
    if let Some(components) = document.get("components").and_then(Value::as_object) {
        for (section, map) in components {
            let section = Kind::section_named(section);
            for key in map.as_object().into_iter().flatten().map(|(k, _)| k) {
                if let Some(section) = section {
                    taken.insert((section, key.clone()));
                }
            }
        }
    }
    let mut bundler = Bundler {
        root: root.clone(),
        files: HashMap::new(),
        done: HashMap::new(),
        taken,
        copied: Vec::new(),
    };
    let here = Here {
        file: root,
        display: name.to_owned(),
        pointer: String::new(),
        operation: "-".into(),
        path: String::new(),
        in_id: false,
    };
    bundler.walk(document, Kind::Document, &here, true)?;
    if bundler.copied.is_empty() {
        return Ok(());
    }
    let Some(root) = document.as_object_mut() else { return Ok(()) };
    let components = root.entry("components").or_insert_with(|| Value::Object(Map::new()));
    if !components.is_object() {
        *components = Value::Object(Map::new());
    }
    for (section, key, value) in bundler.copied {
        if let Some(components) = components.as_object_mut() {
            let map = components.entry(section).or_insert_with(|| Value::Object(Map::new()));
            if let Some(map) = map.as_object_mut() {
                map.insert(key, value);
            }
        }
    }
    Ok(())
}

/// Whether anything in `value` may name another file: a `$ref` that is not `#...`, or a
/// `mapping` value that is not `#...` and has a `/`, `.` or `#` (what [`Bundler::mapping`]
/// follows). A superset of what the walk rewrites, found without its bookkeeping (the walk
/// was 27 % of start-up's instructions on the bundled single-file contracts).
fn leads_elsewhere(value: &Value) -> bool {
    fn at(value: &Value, depth: usize) -> bool {
        match value {
            // Past this depth the answer is "perhaps": the walk, with its own bound, decides.
            _ if depth > 512 => true,
            Value::Object(map) => map.iter().any(|(key, child)| match (key.as_str(), child) {
                ("$ref", Value::String(reference)) => !reference.starts_with('#'),
                ("mapping", Value::Object(mapping)) => {
                    mapping.values().any(|target| {
                        target
                            .as_str()
                            .is_some_and(|t| !t.starts_with('#') && t.contains(['/', '.', '#']))
                    }) || at(child, depth + 1)
                }
                _ => at(child, depth + 1),
            }),
            Value::Array(items) => items.iter().any(|item| at(item, depth + 1)),
            _ => false,
        }
    }
    at(value, 0)
}

impl Kind {
    fn section_named(section: &str) -> Option<&'static str> {
        [
            "schemas",
            "parameters",
            "requestBodies",
            "responses",
            "headers",
            "examples",
            "links",
            "callbacks",
            "securitySchemes",
            "pathItems",
        ]
        .into_iter()
        .find(|s| *s == section)
    }
}

impl Bundler {
    /// Walks `value`, an object of `kind` in the file `here` names (`root`: the contract
    /// itself), rewriting the references that lead to other files.
    fn walk(
        &mut self,
        value: &mut Value,
        kind: Kind,
        here: &Here,
        root: bool,
    ) -> Result<(), LoadError> {
        let Some(object) = value.as_object_mut() else { return Ok(()) };
        let in_id = here.in_id || (kind == Kind::Schema && object.contains_key("$id"));
        let here = &Here { in_id, ..here.clone() };
        if kind.referable()
            && let Some(reference) = object.get("$ref").and_then(Value::as_str)
        {
            if let Some(local) = self.reference(reference, kind, here, root)? {
                object.insert("$ref".into(), Value::String(local));
            }
            if kind != Kind::Schema {
                return Ok(()); // a Reference Object: its siblings are not walked
            }
        }
        use Children::{List, Map as Each, One};
        let mut walk = |this: &mut Self, key: &str, child: Kind, how: Children| {
            this.children(object, key, child, how, here, root)
        };
        match kind {
            Kind::Document => {
                walk(self, "paths", Kind::PathItem, Each)?;
                walk(self, "webhooks", Kind::PathItem, Each)?;
                walk(self, "components", Kind::Components, One)?;
            }
            Kind::Components => {
                for (section, child) in [
                    ("schemas", Kind::Schema),
                    ("parameters", Kind::Parameter),
                    ("responses", Kind::Response),
                    ("requestBodies", Kind::RequestBody),
                    ("headers", Kind::Header),
                    ("examples", Kind::Example),
                    ("links", Kind::Link),
                    ("callbacks", Kind::Callback),
                    ("securitySchemes", Kind::SecurityScheme),
                    ("pathItems", Kind::PathItem),
                ] {
                    walk(self, section, child, Each)?;
                }
            }
            Kind::PathItem => {
                walk(self, "parameters", Kind::Parameter, List)?;
                for method in METHODS {
                    walk(self, method, Kind::Operation, One)?;
                }
            }
            Kind::Operation => {
                walk(self, "parameters", Kind::Parameter, List)?;
                walk(self, "requestBody", Kind::RequestBody, One)?;
                walk(self, "responses", Kind::Response, Each)?;
                walk(self, "callbacks", Kind::Callback, Each)?;
            }
            Kind::Callback => {
                let keys: Vec<String> =
                    object.keys().filter(|k| !k.starts_with("x-")).cloned().collect();
                for key in keys {
                    self.children(object, &key, Kind::PathItem, One, here, root)?;
                }
            }
            Kind::Parameter | Kind::Header => {
                walk(self, "schema", Kind::Schema, One)?;
                walk(self, "content", Kind::MediaType, Each)?;
                walk(self, "examples", Kind::Example, Each)?;
            }
            Kind::RequestBody => walk(self, "content", Kind::MediaType, Each)?,
            Kind::Response => {
                walk(self, "headers", Kind::Header, Each)?;
                walk(self, "content", Kind::MediaType, Each)?;
                walk(self, "links", Kind::Link, Each)?;
            }
            Kind::MediaType => {
                walk(self, "schema", Kind::Schema, One)?;
                walk(self, "examples", Kind::Example, Each)?;
                walk(self, "encoding", Kind::Encoding, Each)?;
            }
            Kind::Encoding => walk(self, "headers", Kind::Header, Each)?,
            Kind::Schema => {
                let keys: Vec<String> = object.keys().cloned().collect();
                for key in &keys {
                    let keyword = key.as_str();
                    let how = if SUBSCHEMA_KEYWORDS.contains(&keyword) {
                        if object.get(keyword).is_some_and(Value::is_array) { List } else { One }
                    } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&keyword) {
                        List
                    } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword) {
                        Children::AllOfMap // property names may start with `x-`
                    } else {
                        continue;
                    };
                    self.children(object, keyword, Kind::Schema, how, here, root)?;
                }
                self.mapping(object, here, root);
            }
            Kind::Example | Kind::Link | Kind::SecurityScheme => {}
        }
        Ok(())
    }

    /// Walks `object[key]`: one object, each value of a map (extensions left out), or each item
    /// of a list, all of `kind`.
    fn children(
        &mut self,
        object: &mut Map<String, Value>,
        key: &str,
        kind: Kind,
        how: Children,
        here: &Here,
        root: bool,
    ) -> Result<(), LoadError> {
        let Some(child) = object.get_mut(key) else { return Ok(()) };
        let mut at = here.child(key);
        if kind == Kind::Operation {
            at.operation = match child.get("operationId").and_then(Value::as_str) {
                Some(id) => id.to_owned(),
                None => format!("{} {}", key.to_uppercase(), here.path),
            };
        }
        match (how, child) {
            (Children::One, child) => self.walk(child, kind, &at, root),
            (Children::Map | Children::AllOfMap, Value::Object(map)) => {
                for (name, item) in map.iter_mut() {
                    if matches!(how, Children::Map) && name.starts_with("x-") {
                        continue;
                    }
                    let mut item_at = at.child(name);
                    if kind == Kind::PathItem && key == "paths" {
                        item_at.path = name.clone();
                    }
                    self.walk(item, kind, &item_at, root)?;
                }
                Ok(())
            }
            (Children::List, Value::Array(items)) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk(item, kind, &at.child(&i.to_string()), root)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// `discriminator.mapping` values that name other files are rewritten like `$ref`s; one
    /// that does not resolve is left as written (it may be a schema name).
    fn mapping(&mut self, object: &mut Map<String, Value>, here: &Here, root: bool) {
        let Some(Value::Object(mapping)) =
            object.get_mut("discriminator").and_then(|d| d.get_mut("mapping"))
        else {
            return;
        };
        for value in mapping.values_mut() {
            let Some(reference) = value.as_str() else { continue };
            if (reference.starts_with('#') && root) || !reference.contains(['/', '.', '#']) {
                continue;
            }
            if let Ok(Some(local)) = self.reference(reference, Kind::Schema, here, root) {
                *value = Value::String(local);
            }
        }
    }

    /// The local reference that replaces `reference` (`None`: it stays as written).
    fn reference(
        &mut self,
        reference: &str,
        kind: Kind,
        here: &Here,
        root: bool,
    ) -> Result<Option<String>, LoadError> {
        let error = |problem: String| LoadError::Reference {
            file: here.display.clone(),
            operation: here.operation.clone(),
            pointer: format!("{}/$ref", here.pointer),
            reference: reference.to_owned(),
            problem,
        };
        let (location, fragment) = match reference.split_once('#') {
            Some((location, fragment)) => (location, fragment),
            None => (reference, ""),
        };
        if location.is_empty() {
            if root {
                return Ok(None); // local: checked with the others (`check_references`)
            }
            // A reference inside another file, to that same file.
            let Some(file) = here.file.clone() else { return Ok(None) };
            return self.copy(file, &here.display, fragment, kind, here, &error).map(Some);
        }
        if here.in_id {
            return Ok(None);
        }
        let path = match scheme(location) {
            Some(scheme) if scheme.eq_ignore_ascii_case("file") => {
                let rest = &location[scheme.len() + 1..];
                let rest = rest.strip_prefix("//").unwrap_or(rest);
                PathBuf::from(decode(rest))
            }
            Some(scheme) if matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") => {
                return Err(error(
                    "is remote: understudy reads files next to the contract, never the network"
                        .into(),
                ));
            }
            Some(scheme) => {
                return Err(error(format!(
                    "uses the `{scheme}:` scheme; understudy reads only files next to the contract"
                )));
            }
            None => PathBuf::from(decode(location)),
        };
        let Some(file) = &here.file else {
            return Err(error(
                "names another file; understudy reads other files only for contracts read from \
                 disk"
                    .into(),
            ));
        };
        let joined = match file.parent() {
            Some(folder) if path.is_relative() => folder.join(&path),
            _ => path,
        };
        let canonical = std::fs::canonicalize(&joined).map_err(|e| {
            error(format!("names `{}`, which cannot be read: {e}", joined.display()))
        })?;
        if Some(&canonical) == self.root.as_ref() {
            // Back into the contract itself: a local reference.
            return Ok(Some(format!("#{fragment}")));
        }
        let display = joined.display().to_string();
        self.copy(canonical, &display, fragment, kind, here, &error).map(Some)
    }

    /// Copies the target of a reference to `file#fragment` into `components` (once), and
    /// returns the local reference to it.
    fn copy(
        &mut self,
        file: PathBuf,
        display: &str,
        fragment: &str,
        kind: Kind,
        here: &Here,
        error: &dyn Fn(String) -> LoadError,
    ) -> Result<String, LoadError> {
        let fragment = decode(fragment);
        let document = match self.files.get(&file) {
            Some(document) => document,
            None => {
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| error(format!("names `{display}`, which cannot be read: {e}")))?;
                let parsed = parse(display, &file, &text)?;
                self.files.entry(file.clone()).or_insert(parsed)
            }
        };
        let nothing = || error(format!("points at nothing in `{display}`"));
        let target_pointer = if fragment.is_empty() || fragment.starts_with('/') {
            fragment.clone()
        } else {
            find_anchor(document, &fragment, "").ok_or_else(nothing)?
        };
        let key = (file.clone(), target_pointer.clone());
        if let Some(local) = self.done.get(&key) {
            return Ok(local.clone());
        }
        let target = pointer::pointer(document, &target_pointer).cloned().ok_or_else(nothing)?;
        let section = kind.section();
        let name = self.name(section, &file, &target_pointer);
        let local = fragment_ref("", &format!("/components/{section}/{}", escape_token(&name)));
        self.done.insert(key, local.clone());
        let mut target = target;
        let at = Here {
            file: Some(file),
            display: display.to_owned(),
            pointer: target_pointer,
            operation: here.operation.clone(),
            path: here.path.clone(),
            in_id: false,
        };
        self.walk(&mut target, kind, &at, false)?;
        self.copied.push((section, name, target));
        Ok(local)
    }

    /// A name for a copied object, made of its file (relative to the contract's folder) and
    /// pointer, unique in its section: `schemas.pet.yaml`, `common.json.components.schemas.Error`.
    fn name(&mut self, section: &'static str, file: &Path, pointer: &str) -> String {
        let folder = self.root.as_ref().and_then(|r| r.parent());
        let relative = folder.and_then(|f| file.strip_prefix(f).ok()).unwrap_or(file);
        let mut text = relative.to_string_lossy().replace(['/', '\\'], ".");
        text = text.trim_start_matches('.').to_owned();
        for token in pointer.split('/').skip(1) {
            text.push('.');
            text.push_str(&crate::json::pointer::unescape_token(token));
        }
        let clean: String = text
            .chars()
            .map(
                |c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' },
            )
            .collect();
        let mut name = clean.clone();
        let mut n = 2;
        while !self.taken.insert((section, name.clone())) {
            name = format!("{clean}-{n}");
            n += 1;
        }
        name
    }
}

/// How the children under a key are laid out.
#[derive(Clone, Copy)]
enum Children {
    /// One object.
    One,
    /// A map of objects, extensions (`x-...`) left out.
    Map,
    /// A map of schemas, every key one (a property may be called `x-...`).
    AllOfMap,
    /// A list of objects.
    List,
}

/// The scheme of a URI (`http` of `http://...`); `None` for a path (a one-letter "scheme" is a
/// Windows drive).
fn scheme(location: &str) -> Option<&str> {
    let (scheme, _) = location.split_once(':')?;
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// Parses another file: JSON for `.json`, YAML otherwise (as contracts are read).
fn parse(display: &str, file: &Path, text: &str) -> Result<Value, LoadError> {
    crate::contract::schema::count_parse();
    let syntax = |message: String| LoadError::Syntax { file: display.to_owned(), message };
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_str(text).map_err(|e| {
            syntax(format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()))
        })
    } else {
        crate::files::parse_yaml(text).map_err(|e| syntax(format!("invalid YAML: {e}")))
    }
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The pointer of the schema declaring `$anchor: name` in `value` (searched depth first).
fn find_anchor(value: &Value, name: &str, at: &str) -> Option<String> {
    match value {
        Value::Object(map) => {
            if map.get("$anchor").and_then(Value::as_str) == Some(name) {
                return Some(at.to_owned());
            }
            map.iter().find_map(|(k, v)| find_anchor(v, name, &push_token(at, k)))
        }
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| find_anchor(v, name, &format!("{at}/{i}")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A folder of files under the system's temporary directory, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new(files: &[(&str, &str)]) -> Folder {
            let root = std::env::temp_dir().join(format!(
                "understudy-bundle-{}-{}",
                std::process::id(),
                fastrand::u64(..)
            ));
            std::fs::create_dir_all(&root).unwrap();
            for (name, text) in files {
                let path = root.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            Folder(root)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn bundled(folder: &Folder, document: Value) -> Result<Value, LoadError> {
        let path = folder.0.join("openapi.yaml");
        std::fs::write(&path, "").unwrap();
        let mut document = document;
        bundle("openapi.yaml", Some(&path), &mut document)?;
        Ok(document)
    }

    fn operation(schema: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}}}})
    }

    #[test]
    fn only_documents_that_may_name_another_file_are_walked() {
        for (document, elsewhere) in [
            (json!({"a": [{"$ref": "#/components/schemas/A"}], "b": {"$ref": "#"}}), false),
            (json!({"a": [{"b": {"$ref": "pet.yaml"}}]}), true),
            (json!({"a": {"$ref": "https://example.com/a.json"}}), true),
            (json!({"discriminator": {"mapping": {"dog": "Dog", "cat": "#/c"}}}), false),
            (json!({"x": [{"discriminator": {"mapping": {"dog": "./dog.yaml"}}}]}), true),
            (json!({"mapping": {"m": {"$ref": "other.json#/A"}}}), true),
        ] {
            assert_eq!(leads_elsewhere(&document), elsewhere, "{document}");
        }
        let deep = (0..600).fold(json!({"$ref": "#/a"}), |inner, _| json!([inner]));
        assert!(leads_elsewhere(&deep), "past the depth bound, the walk decides");
    }

    #[test]
    fn a_schema_in_another_file_is_copied_into_components_with_its_own_references() {
        let folder = Folder::new(&[
            (
                "schemas/pet.yaml",
                "type: object\nproperties:\n  owner: {$ref: '../common.json#/components/schemas/Owner'}\n  tag: {$ref: '#/$defs/Tag'}\n$defs:\n  Tag: {type: string}\n",
            ),
            (
                "common.json",
                r#"{"components": {"schemas": {"Owner": {"type": "object", "properties": {"pet": {"$ref": "schemas/pet.yaml"}}}}}}"#,
            ),
        ]);
        let document = bundled(&folder, operation(json!({"$ref": "./schemas/pet.yaml"}))).unwrap();
        let schema = &document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["$ref"], "#/components/schemas/schemas.pet.yaml");
        let schemas = &document["components"]["schemas"];
        let pet = &schemas["schemas.pet.yaml"];
        assert_eq!(
            pet["properties"]["owner"]["$ref"],
            "#/components/schemas/common.json.components.schemas.Owner"
        );
        assert_eq!(
            pet["properties"]["tag"]["$ref"],
            "#/components/schemas/schemas.pet.yaml._defs.Tag"
        );
        // The cycle back to pet.yaml ends at the copy already made.
        assert_eq!(
            schemas["common.json.components.schemas.Owner"]["properties"]["pet"]["$ref"],
            "#/components/schemas/schemas.pet.yaml"
        );
    }

    #[test]
    fn parameters_and_responses_in_other_files_go_to_their_own_sections() {
        let folder = Folder::new(&[(
            "common.yaml",
            "limit: {name: limit, in: query, schema: {type: integer}}\nerror:\n  description: failed\n  content:\n    application/json:\n      schema: {$ref: '#/Error'}\nError: {type: object}\n",
        )]);
        let document = json!({"openapi": "3.1.0", "paths": {"/pets": {"get": {
            "parameters": [{"$ref": "common.yaml#/limit"}],
            "responses": {"default": {"$ref": "common.yaml#/error"}}}}}});
        let document = bundled(&folder, document).unwrap();
        let get = &document["paths"]["/pets"]["get"];
        assert_eq!(get["parameters"][0]["$ref"], "#/components/parameters/common.yaml.limit");
        assert_eq!(get["responses"]["default"]["$ref"], "#/components/responses/common.yaml.error");
        let error = &document["components"]["responses"]["common.yaml.error"];
        assert_eq!(
            error["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/common.yaml.Error"
        );
    }

    #[test]
    fn a_missing_file_or_pointer_names_the_referring_file_operation_and_pointer() {
        let folder =
            Folder::new(&[("pet.yaml", "type: object\nproperties:\n  a: {$ref: 'gone.yaml'}\n")]);
        let error =
            bundled(&folder, operation(json!({"$ref": "missing.yaml"}))).unwrap_err().to_string();
        assert!(error.starts_with("openapi.yaml: operation `listPets`: /paths/~1pets/get/responses/200/content/application~1json/schema/$ref: $ref `missing.yaml` names `"), "{error}");
        assert!(error.contains("which cannot be read"), "{error}");

        // Transitively: the file that holds the broken reference is the one named.
        let error =
            bundled(&folder, operation(json!({"$ref": "pet.yaml"}))).unwrap_err().to_string();
        assert!(
            error.contains("pet.yaml: operation `listPets`: /properties/a/$ref: $ref `gone.yaml`"),
            "{error}"
        );

        let error = bundled(&folder, operation(json!({"$ref": "pet.yaml#/nothing"})))
            .unwrap_err()
            .to_string();
        assert!(error.contains("points at nothing in"), "{error}");
    }

    #[test]
    fn remote_references_are_refused_and_local_ones_left_alone() {
        let folder = Folder::new(&[]);
        let error = bundled(&folder, operation(json!({"$ref": "https://example.com/pet.json"})))
            .unwrap_err()
            .to_string();
        assert!(error.contains("is remote"), "{error}");
        let document =
            bundled(&folder, operation(json!({"$ref": "#/components/schemas/Pet"}))).unwrap();
        assert!(document.get("components").is_none());
        // Not on disk: another file cannot be read.
        let mut document = operation(json!({"$ref": "pet.yaml"}));
        let error = bundle("embedded.yaml", None, &mut document).unwrap_err().to_string();
        assert!(error.contains("only for contracts read from disk"), "{error}");
    }
}
