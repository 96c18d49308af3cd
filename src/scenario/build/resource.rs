//! Collections: keys, id generators, seed records, auto-created parents, and the checks that
//! tie resources to each other (a parent exists, `on-create` children belong to it).

use regex::Regex;
use serde_json::Value;

use crate::error::LoadError;
use crate::json::compact::compact;
use crate::scenario::build::Builder;
use crate::scenario::format::{IdKind, RawId, RawResource};
use crate::scenario::model::{Alphabet, IdGenerator, Resource, ResourceKey};

impl Builder<'_> {
    /// One collection: its key, id generator, auto-create pattern, and seed records that
    /// carry their key.
    /// How a resource's new keys are made: one kind of generator only.
    fn id(&self, raw: RawId, pointer: &str) -> Result<IdGenerator, LoadError> {
        let RawId { prefix, alphabet, length, template, encoding, kind, pattern, .. } = raw;
        let random = !prefix.is_empty() || alphabet.is_some() || length.is_some();
        let chosen = [random, template.is_some(), kind.is_some(), pattern.is_some()];
        if chosen.iter().filter(|c| **c).count() > 1 {
            let message = "`id` takes one of `template` (+ `encoding`), `kind`, `pattern`, or `prefix`/`alphabet`/`length`";
            return Err(self.invalid(pointer, message));
        }
        Ok(match (template, kind, pattern) {
            (Some(text), ..) => IdGenerator::Sequence {
                template: self.text_template(&text, &format!("{pointer}/template"))?,
                encoding,
            },
            (_, Some(IdKind::Integer), _) => IdGenerator::Integer,
            (_, Some(IdKind::Uuid), _) => IdGenerator::Uuid,
            (_, _, Some(pattern)) => IdGenerator::Pattern(
                crate::random::Pattern::new(&pattern)
                    .map_err(|e| self.invalid(&format!("{pointer}/pattern"), e.to_string()))?,
            ),
            (None, None, None) => IdGenerator::Random {
                prefix,
                alphabet: alphabet.unwrap_or(Alphabet::Alphanumeric),
                length: length.unwrap_or(16),
            },
        })
    }

    pub(super) fn resource(&self, name: String, r: RawResource) -> Result<Resource, LoadError> {
        let pointer = format!("/resources/{name}");
        let client_keys = r.id.as_ref().is_some_and(|id| id.client);
        let id = match r.id {
            None => {
                IdGenerator::Random { prefix: String::new(), alphabet: Alphabet::Hex, length: 24 }
            }
            Some(raw) => self.id(raw, &format!("{pointer}/id"))?,
        };
        for (i, hidden) in r.write_only.iter().enumerate() {
            for field in std::iter::once(&hidden.field).chain(&hidden.flag) {
                self.pointer(field, &format!("{pointer}/write-only/{i}"))?;
            }
        }
        let key = if r.key.contains("{{") {
            ResourceKey::Composite(self.text_template(&r.key, &format!("{pointer}/key"))?)
        } else {
            ResourceKey::Field(r.key.clone())
        };
        if client_keys && matches!(key, ResourceKey::Composite(_)) {
            return Err(
                self.invalid(&format!("{pointer}/id/client"), "a composite key is never sent")
            );
        }
        for (i, record) in r.seed.iter().enumerate() {
            let keyed = match &key {
                ResourceKey::Field(field) => {
                    record.get(field).is_some_and(|k| k.is_string() || k.is_number())
                }
                ResourceKey::Composite(template) => template
                    .variables()
                    .iter()
                    .all(|v| record.pointer(&format!("/{}", v.replace('.', "/"))).is_some()),
            };
            if !keyed {
                let message =
                    format!("a seed record needs its key `{}` (string or number fields)", r.key);
                return Err(self.invalid(&format!("{pointer}/seed/{i}"), message));
            }
        }
        let auto_create = match r.auto_create {
            Some(auto) => Some(Regex::new(&format!("^(?:{})$", auto.pattern)).map_err(|e| {
                self.invalid(
                    &format!("{pointer}/auto-create/pattern"),
                    format!("not a regular expression: {e}"),
                )
            })?),
            None => None,
        };
        // Records are kept for the life of the process (every new session starts from them):
        // without the room serde left in them (`json/compact.rs`).
        let mut seed = r.seed;
        seed.iter_mut().for_each(compact);
        let mut on_create: Vec<(String, Vec<Value>)> = r.on_create.into_iter().collect();
        for records in on_create.iter_mut().map(|(_, records)| records) {
            records.shrink_to_fit();
            records.iter_mut().for_each(compact);
        }
        Ok(Resource {
            name,
            key,
            id,
            client_keys,
            parent: r.parent,
            timestamps: r.timestamps,
            schema: r.schema,
            write_only: r.write_only,
            auto_create,
            on_create,
            seed: seed.into(),
        })
    }

    /// What resources say about each other: parents exist, `on-create` names children.
    pub(super) fn check_resources(&self, resources: &[Resource]) -> Result<(), LoadError> {
        let known = |name: &str| resources.iter().any(|r| r.name == name);
        for resource in resources {
            if let Some(parent) = &resource.parent
                && !known(&parent.resource)
            {
                let message = format!("parent resource `{}` is not defined", parent.resource);
                return Err(self.invalid(&format!("/resources/{}/parent", resource.name), message));
            }
            for (child, _) in &resource.on_create {
                let child_parent =
                    resources.iter().find(|r| &r.name == child).and_then(|r| r.parent.as_ref());
                if child_parent.is_none_or(|p| p.resource != resource.name) {
                    let message =
                        format!("`{child}` must be a resource whose parent is `{}`", resource.name);
                    return Err(self.invalid(
                        &format!("/resources/{}/on-create/{child}", resource.name),
                        message,
                    ));
                }
            }
        }
        Ok(())
    }
}
