//! Request body schemas compiled into a graph, for the two walks a write makes over its body
//! before storing it: dropping undeclared fields (`prune.rs`) and filling in defaults
//! (`defaults.rs`).
//!
//! Both walks used to read the schemas as the document holds them: every step looked up
//! `$ref`, `properties`, `allOf`, `oneOf`, `items`... by name in `serde_json` maps, hashing each
//! name with SipHash, and a 2 KB Teable body cost more in those lookups than in parsing it. The
//! graph is built once per contract, at load: one [`Node`] per schema object the request
//! bodies reach (references followed, cycles shared), holding what the walks ask of it in
//! plain vectors. What depends on the value sent (which `oneOf` / `anyOf` branch it takes)
//! stays a [`Choice`] decided per request, by the same rule as `document::branch_for`.

use std::collections::HashMap;

use serde_json::Value;

use crate::contract::document::{deref, fixed_value};

/// How deep the walks follow schemas (recursive schemas end here).
pub(crate) const MAX_DEPTH: usize = 64;

/// Index of a [`Node`] in [`Bodies::nodes`].
pub(crate) type NodeId = u32;

/// The request body schemas of one contract document, compiled.
#[derive(Debug, Default)]
pub struct Bodies {
    pub(crate) nodes: Vec<Node>,
    /// The body schemas by JSON pointer in the document.
    roots: HashMap<String, NodeId>,
    /// The nodes by the address of their schema object (tests compare with document walks).
    #[cfg(test)]
    addresses: HashMap<usize, NodeId>,
}

/// What one schema object says that the walks need.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Its own `properties`, in document order.
    pub(crate) properties: Vec<Property>,
    /// Whether it has `properties` at all (without, an object schema is a free-form map).
    pub(crate) named: bool,
    /// Whether it leaves other keys open: the schema `true`, `patternProperties`, or
    /// `additionalProperties` other than `false`.
    pub(crate) open: bool,
    /// Its `items` schema (when an object).
    pub(crate) items: Option<NodeId>,
    /// Its `allOf` members.
    pub(crate) all_of: Vec<NodeId>,
    /// Its `oneOf`, then its `anyOf`.
    pub(crate) choices: Vec<Choice>,
    /// Whether a `default` can be reached from here (else filling defaults skips it).
    pub(crate) defaults: bool,
}

/// One declared property.
#[derive(Debug)]
pub(crate) struct Property {
    pub(crate) name: Box<str>,
    pub(crate) node: NodeId,
    /// The property schema's `default`.
    pub(crate) default: Option<Value>,
}

/// A `oneOf` or `anyOf`: the branch a value takes is decided when it is seen.
#[derive(Debug)]
pub(crate) struct Choice {
    discriminator: Option<Discriminator>,
    pub(crate) branches: Vec<Branch>,
}

/// A `discriminator` with its `mapping`, each tag resolved to the branch whose `$ref` it names.
#[derive(Debug)]
struct Discriminator {
    property: Box<str>,
    mapping: Vec<(Box<str>, Option<usize>)>,
}

/// One branch of a [`Choice`].
#[derive(Debug)]
pub(crate) struct Branch {
    pub(crate) node: NodeId,
    /// The branch's `const` and single-value `enum` properties; `None` when it has no
    /// `properties`, so that no value is taken for it without a discriminator.
    fixed: Option<Vec<(Box<str>, Value)>>,
}

impl Choice {
    /// The branch `value` takes: the one the discriminator maps it to, else the first whose
    /// fixed properties all agree with it (`document::branch_for`'s rule).
    pub(crate) fn pick(&self, value: &Value) -> Option<NodeId> {
        if let Some(discriminator) = &self.discriminator
            && let Some(tag) = value.get(&*discriminator.property).and_then(Value::as_str)
            && let Some((_, branch)) = discriminator.mapping.iter().find(|(t, _)| &**t == tag)
        {
            return branch.map(|b| self.branches[b].node);
        }
        self.branches
            .iter()
            .find(|branch| {
                branch.fixed.as_ref().is_some_and(|fixed| {
                    fixed.iter().all(|(name, wanted)| value.get(&**name) == Some(wanted))
                })
            })
            .map(|branch| branch.node)
    }
}

impl Bodies {
    /// Compiles the schemas at `pointers` of `document` (request direction), and everything
    /// they reach.
    pub fn new<'a>(document: &Value, pointers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut builder = Builder { document, bodies: Bodies::default(), seen: HashMap::new() };
        let mut work = Vec::new();
        for pointer in pointers {
            if builder.bodies.roots.contains_key(pointer) {
                continue;
            }
            let Some(schema) = crate::json::pointer::pointer(document, pointer) else { continue };
            let id = builder.id(schema, &mut work);
            builder.bodies.roots.insert(pointer.to_owned(), id);
        }
        while let Some((id, schema)) = work.pop() {
            let node = builder.node(schema, &mut work);
            builder.bodies.nodes[id as usize] = node;
        }
        let mut bodies = builder.bodies;
        #[cfg(test)]
        {
            bodies.addresses = builder.seen;
        }
        bodies.mark_defaults();
        bodies
    }

    /// The compiled body schema at `pointer`, when it is one of the roots.
    pub(crate) fn root(&self, pointer: &str) -> Option<NodeId> {
        self.roots.get(pointer).copied()
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// Marks the nodes from which a `default` is reachable.
    fn mark_defaults(&mut self) {
        let mut callers: Vec<Vec<NodeId>> = vec![Vec::new(); self.nodes.len()];
        let mut marked: Vec<NodeId> = Vec::new();
        for (id, node) in self.nodes.iter().enumerate() {
            let id = id as NodeId;
            let children = node
                .properties
                .iter()
                .map(|p| p.node)
                .chain(node.items)
                .chain(node.all_of.iter().copied())
                .chain(node.choices.iter().flat_map(|c| c.branches.iter().map(|b| b.node)));
            for child in children {
                callers[child as usize].push(id);
            }
            if node.properties.iter().any(|p| p.default.is_some()) {
                marked.push(id);
            }
        }
        while let Some(id) = marked.pop() {
            let node = &mut self.nodes[id as usize];
            if node.defaults {
                continue;
            }
            node.defaults = true;
            marked.extend(&callers[id as usize]);
        }
    }
}

struct Builder<'a> {
    document: &'a Value,
    bodies: Bodies,
    /// Nodes by the address of their schema object (after `$ref`s) in the document.
    seen: HashMap<usize, NodeId>,
}

impl<'a> Builder<'a> {
    /// The node of `schema` (its `$ref`s followed), queued for filling when new.
    fn id(&mut self, schema: &'a Value, work: &mut Vec<(NodeId, &'a Value)>) -> NodeId {
        let target = deref(self.document, schema);
        let address = std::ptr::from_ref(target) as usize;
        if let Some(id) = self.seen.get(&address) {
            return *id;
        }
        let id = NodeId::try_from(self.bodies.nodes.len()).unwrap_or(NodeId::MAX);
        self.bodies.nodes.push(Node::default());
        self.seen.insert(address, id);
        work.push((id, target));
        id
    }

    /// What the walks need of `schema` (already dereferenced).
    fn node(&mut self, schema: &'a Value, work: &mut Vec<(NodeId, &'a Value)>) -> Node {
        let Some(object) = schema.as_object() else {
            return Node { open: schema == &Value::Bool(true), ..Node::default() };
        };
        let mut node = Node::default();
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            node.named = true;
            for (name, property) in properties {
                let default = deref(self.document, property).get("default").cloned();
                let id = self.id(property, work);
                node.properties.push(Property { name: name.as_str().into(), node: id, default });
            }
        }
        node.open = object.contains_key("patternProperties")
            || object.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        if let Some(items) = object.get("items").filter(|i| i.is_object()) {
            node.items = Some(self.id(items, work));
        }
        for member in object.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            let id = self.id(member, work);
            node.all_of.push(id);
        }
        for keyword in ["oneOf", "anyOf"] {
            let Some(branches) = object.get(keyword).and_then(Value::as_array) else { continue };
            let choice = self.choice(object, branches, work);
            node.choices.push(choice);
        }
        node
    }

    fn choice(
        &mut self,
        object: &'a serde_json::Map<String, Value>,
        branches: &'a [Value],
        work: &mut Vec<(NodeId, &'a Value)>,
    ) -> Choice {
        let discriminator = object.get("discriminator");
        let discriminator = discriminator
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
            .map(|property| Discriminator {
                property: property.into(),
                mapping: discriminator
                    .and_then(|d| d.get("mapping"))
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(tag, target)| Some((tag, target.as_str()?)))
                    .map(|(tag, target)| {
                        let branch = branches
                            .iter()
                            .position(|b| b.get("$ref").and_then(Value::as_str) == Some(target));
                        (tag.as_str().into(), branch)
                    })
                    .collect(),
            });
        let branches = branches
            .iter()
            .map(|branch| {
                let fixed = deref(self.document, branch)
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|properties| {
                        properties
                            .iter()
                            .filter_map(|(name, property)| {
                                let fixed = fixed_value(self.document, property)?;
                                Some((name.as_str().into(), fixed.clone()))
                            })
                            .collect()
                    });
                Branch { node: self.id(branch, work), fixed }
            })
            .collect();
        Choice { discriminator, branches }
    }
}

/// [`Choice::pick`] and `document::branch_for` are the same rule: the compiled one is checked against
/// the document walk here, and both walks against their reference versions in `validate.rs`'s
/// property tests.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::document::branch_for;
    use serde_json::json;

    #[test]
    fn a_choice_picks_the_branch_the_document_walk_picks() {
        let document = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"kind": {"const": "a"}, "x": {}}},
            "B": {"type": "object", "properties": {"kind": {"enum": ["b"]}, "y": {}}},
            "Open": {"type": "object"},
            "Body": {"oneOf": [
                {"$ref": "#/components/schemas/A"},
                {"$ref": "#/components/schemas/B"},
                {"$ref": "#/components/schemas/Open"}
            ], "discriminator": {"propertyName": "tag", "mapping": {
                "is-b": "#/components/schemas/B", "lost": "#/components/schemas/Nowhere"
            }}}
        }}});
        let bodies = Bodies::new(&document, ["/components/schemas/Body"]);
        let root = bodies.node(bodies.root("/components/schemas/Body").unwrap());
        let raw = document.pointer("/components/schemas/Body").unwrap();
        let object = raw.as_object().unwrap();
        let branches = raw["oneOf"].as_array().unwrap();
        for value in [
            json!({"kind": "a"}),
            json!({"kind": "b"}),
            json!({"kind": "c"}),
            json!({"tag": "is-b", "kind": "a"}),
            json!({"tag": "lost", "kind": "a"}),
            json!({"tag": "other", "kind": "a"}),
            json!({"tag": 1, "kind": "b"}),
            json!([1]),
            json!(null),
        ] {
            let compiled = root.choices[0].pick(&value);
            let walked = branch_for(&document, object, branches, &value).map(|branch| {
                bodies.addresses[&(std::ptr::from_ref(deref(&document, branch)) as usize)]
            });
            assert_eq!(compiled, walked, "{value}");
        }
    }

    #[test]
    fn recursive_schemas_compile_to_a_cycle_and_defaults_are_marked_upwards() {
        let document = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "meta": {"$ref": "#/components/schemas/Meta"},
                "plain": {"type": "object", "properties": {"x": {"type": "string"}}}
            }},
            "Meta": {"type": "object", "properties": {"color": {"default": "blue"}}}
        }}});
        let bodies = Bodies::new(&document, ["/components/schemas/Node"]);
        let root = bodies.root("/components/schemas/Node").unwrap();
        let node = bodies.node(root);
        let children = bodies.node(node.properties[0].node);
        assert_eq!(children.items, Some(root), "the items are the node itself");
        assert!(node.defaults);
        assert!(bodies.node(node.properties[1].node).defaults);
        assert!(!bodies.node(node.properties[2].node).defaults);
        assert_eq!(bodies.nodes.len(), 6, "{:#?}", bodies.nodes);
    }
}
