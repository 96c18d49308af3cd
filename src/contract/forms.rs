//! The two rewritten forms of a contract document (for requests, for responses) and the
//! compilers registered with them, each made at load or on its first use.
//!
//! A form is the whole document again (`schema.rs` rewrites every schema for one direction):
//! the two forms of the bundled documents were 4.4 of the catalog's 6.6 MiB of heap once
//! validators were compiled on first use, and a served API needs few of them (Arize's older
//! versions and Ada's documents none until a client calls them; GitBook's other dialects only
//! their response form, for the self-check). An embedded document cannot change after the
//! build, so its forms are not kept from the load: they are read again from the text the binary
//! holds the first time a request needs them, and kept from then on. A user's document is
//! rewritten and registered at load, as a whole, so that one the validator library refuses
//! stops the start (`load/`). A document that uses `$dynamicRef` has both forms made at load
//! too: its schemas bind their dynamic references when they are made (`Schema::bound`). A
//! document that marks nothing `readOnly` or `writeOnly` (GitBook's, Teable's, Ada's) gets one
//! form for both directions, and one validator per pointer. A form is kept from then on, so it
//! is compacted as it is made (`json/compact.rs`): a parsed document holds a third more heap
//! than its contents need, and the self-check of GitBook's first answer reads its three
//! dialects' forms.
//!
//! [`Schemas`] hands out the document's schemas by direction and pointer, each made once and
//! shared, compiled on first use from the form's compiler.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::contract::schema::{
    self, CompileError, Compiler, CompilerSource, Dialect, Direction, Schema,
};
use crate::error::LoadError;
use crate::files::TextFile;
use crate::json::compact::compact;

/// The URI each form is registered under, by its slot.
const URIS: [&str; 2] = ["urn:understudy:request", "urn:understudy:response"];

/// The two forms of one document and their compilers.
pub(crate) struct Forms {
    dialect: Dialect,
    /// Whether the two forms are one document (`schema::same_in_both_directions`): then the
    /// first slot holds it for both.
    same: bool,
    /// Where the forms are made from when first needed (`None`: they were made at load).
    text: Option<Text>,
    /// Whether the document uses `$dynamicRef` (then both forms were made at load).
    dynamic: bool,
    documents: [OnceLock<Arc<Value>>; 2],
    compilers: [OnceLock<Result<Arc<Compiler>, CompileError>>; 2],
}

/// A document's text as the binary holds it, its names for messages, and how it is read
/// (`load/`: parsed, references made local).
struct Text {
    name: String,
    file_name: String,
    text: &'static str,
    read: Read,
}

/// Reads a document's text into the document the forms are rewritten from.
pub(crate) type Read = Box<dyn Fn(&TextFile) -> Result<Value, LoadError> + Send + Sync>;

impl std::fmt::Debug for Forms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = |direction| self.documents[self.slot(direction)].get().is_some();
        f.debug_struct("Forms")
            .field("request_made", &made(Direction::Request))
            .field("response_made", &made(Direction::Response))
            .finish_non_exhaustive()
    }
}

impl Forms {
    /// The forms of `document` (checked and canonical, `ids.rs`), made and registered now; the
    /// library's message when it refuses one.
    pub(crate) fn made(
        document: &Value,
        dialect: Dialect,
        dynamic: bool,
    ) -> Result<Forms, CompileError> {
        let forms = Forms {
            dialect,
            same: schema::same_in_both_directions(document),
            text: None,
            dynamic,
            documents: Default::default(),
            compilers: Default::default(),
        };
        for direction in forms.directions() {
            let mut rewritten = schema::normalize(document, dialect, direction);
            compact(&mut rewritten);
            let _ = forms.documents[forms.slot(direction)].set(Arc::new(rewritten));
        }
        for direction in forms.directions() {
            forms.compiler(direction)?;
        }
        Ok(forms)
    }

    /// The forms of the document `text` holds (a file the binary embeds, already loaded once
    /// and found sound), made when first needed from what `read` reads.
    /// `document` is what `read` gives, read by the load.
    pub(crate) fn on_first_use(
        file: &TextFile,
        document: &Value,
        text: &'static str,
        read: Read,
        dialect: Dialect,
    ) -> Forms {
        let (name, file_name) = (file.name.clone(), file.file_name.clone());
        let text = Text { name, file_name, text, read };
        Forms {
            dialect,
            same: schema::same_in_both_directions(document),
            text: Some(text),
            dynamic: false,
            documents: Default::default(),
            compilers: Default::default(),
        }
    }

    /// The slot of the form for `direction`.
    fn slot(&self, direction: Direction) -> usize {
        match direction {
            _ if self.same => 0,
            Direction::Request => 0,
            Direction::Response => 1,
        }
    }

    /// The directions with a form of their own.
    fn directions(&self) -> Vec<Direction> {
        match self.same {
            true => vec![Direction::Request],
            false => vec![Direction::Request, Direction::Response],
        }
    }

    /// Whether one form serves both directions.
    pub(crate) fn same(&self) -> bool {
        self.same
    }

    /// The form for one direction.
    pub(crate) fn document(&self, direction: Direction) -> &Arc<Value> {
        self.documents[self.slot(direction)].get_or_init(|| Arc::new(self.read(direction)))
    }

    /// The form for `direction`, made from the text again.
    fn read(&self, direction: Direction) -> Value {
        let Some(text) = &self.text else {
            // `made` sets both forms before anyone can ask for one.
            return Value::Null;
        };
        let file = TextFile {
            name: text.name.clone(),
            file_name: text.file_name.clone(),
            text: text.text.to_owned(),
        };
        // The same steps as the load's, which succeeded on this very text.
        let mut form = match (text.read)(&file) {
            Ok(mut document) if self.same => {
                schema::normalize_in_place(&mut document, self.dialect, direction);
                document
            }
            Ok(document) => schema::normalize(&document, self.dialect, direction),
            Err(error) => {
                tracing::error!(file = %file.name, %error, "an embedded contract cannot be read again");
                Value::Null
            }
        };
        compact(&mut form);
        form
    }

    /// The schema at `pointer` of one form with its `$dynamicRef`s bound, when it reaches any
    /// (see `Resources::bind_dynamic`).
    pub(crate) fn bound(&self, direction: Direction, pointer: &str) -> Option<Arc<Value>> {
        if !self.dynamic {
            return None;
        }
        let compiler = self.compiler(direction).ok()?;
        compiler.resources().bind_dynamic(self.document(direction), pointer).map(Arc::new)
    }
}

impl CompilerSource for Forms {
    fn compiler(&self, direction: Direction) -> Result<&Arc<Compiler>, CompileError> {
        let slot = self.slot(direction);
        let compiler = self.compilers[slot].get_or_init(|| {
            Compiler::new(URIS[slot], self.document(direction).clone()).map(Arc::new)
        });
        compiler.as_ref().map_err(Clone::clone)
    }
}

/// The schemas of one document, in both directions, made once per pointer and shared: the
/// operations, the samples and the admin API's checks use the same validators.
#[derive(Debug)]
pub(crate) struct Schemas {
    forms: Arc<Forms>,
    made: Mutex<HashMap<(Direction, String), Schema>>,
}

impl Schemas {
    /// The schemas of the document whose forms `forms` makes.
    pub(crate) fn new(forms: Arc<Forms>) -> Self {
        Schemas { forms, made: Mutex::default() }
    }

    /// The document's forms.
    pub(crate) fn forms(&self) -> &Arc<Forms> {
        &self.forms
    }

    /// The schema at `pointer` for one direction, compiled on its first use
    /// ([`Schema::check`] compiles it now).
    pub(crate) fn get(&self, direction: Direction, pointer: &str) -> Schema {
        // One form for both directions: one validator too.
        let direction = if self.forms.same() { Direction::Request } else { direction };
        let key = (direction, pointer.to_owned());
        let mut made = self.made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let make = || {
            let bound = self.forms.bound(direction, pointer);
            Schema::on_first_use(self.forms.clone(), direction, pointer, bound)
        };
        made.entry(key).or_insert_with(make).clone()
    }

    /// Compiles the schema at `pointer` for one direction now, as a schema of its own.
    pub(crate) fn compile(
        &self,
        direction: Direction,
        pointer: &str,
    ) -> Result<Schema, CompileError> {
        self.forms.compiler(direction)?.compile(pointer)
    }
}
