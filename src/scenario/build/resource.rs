//! Collections: keys, id generators, seed records, auto-created parents, and the checks that
//! tie resources to each other (a parent exists, `on-create` children belong to it).

use regex::Regex;

use crate::error::LoadError;
use crate::scenario::build::Builder;
use crate::scenario::format::{RawId, RawResource};
use crate::scenario::model::{Alphabet, IdGenerator, Resource, ResourceKey};

impl Builder<'_> {
    /// One collection: its key, id generator, auto-create pattern, and seed records that
    /// carry their key.
    pub(super) fn resource(&self, name: String, r: RawResource) -> Result<Resource, LoadError> {
        let pointer = format!("/resources/{name}");
        let id = match r.id {
            None => {
                IdGenerator::Random { prefix: String::new(), alphabet: Alphabet::Hex, length: 24 }
            }
            Some(RawId { template: Some(text), encoding, prefix, alphabet, length }) => {
                if !prefix.is_empty() || alphabet.is_some() || length.is_some() {
                    let message = "`id` takes either `template` (+ `encoding`) or `prefix`/`alphabet`/`length`, not both";
                    return Err(self.invalid(&format!("{pointer}/id"), message));
                }
                IdGenerator::Sequence {
                    template: self.text_template(&text, &format!("{pointer}/id/template"))?,
                    encoding,
                }
            }
            Some(RawId { prefix, alphabet, length, .. }) => IdGenerator::Random {
                prefix,
                alphabet: alphabet.unwrap_or(Alphabet::Alphanumeric),
                length: length.unwrap_or(16),
            },
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
        Ok(Resource {
            name,
            key,
            id,
            parent: r.parent,
            timestamps: r.timestamps,
            schema: r.schema,
            write_only: r.write_only,
            auto_create,
            on_create: r.on_create.into_iter().collect(),
            seed: r.seed,
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
