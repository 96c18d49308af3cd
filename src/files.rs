//! Where contracts, scenarios and conformance suites are read from.
//!
//! The three folders of the repository are compiled into the binary, so `understudy serve` works
//! from an empty directory. A [`Tree`] is one such folder made of layers: the embedded copy,
//! directories on disk given with `--contracts` / `--scenarios-dir` laid over it, or single
//! OpenAPI documents given as `serve FILE...`. Layers add to each other per API and per file:
//! a directory's `teable/openapi.yaml` replaces the embedded file of that name and leaves the
//! other embedded files and APIs as they are, so a directory never silently removes what it
//! does not mention. Everything above sees named text files grouped by API.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::LoadError;

// The folders as `build.rs` prepared them: YAML files hold the same document as JSON.
static CONTRACTS: Dir<'static> = include_dir!("$OUT_DIR/embedded/contracts");
static SCENARIOS: Dir<'static> = include_dir!("$OUT_DIR/embedded/scenarios");
static CONFORMANCE: Dir<'static> = include_dir!("$OUT_DIR/embedded/conformance");
// The YAML files as written, comments included, for `understudy export`.
static CONTRACT_SOURCES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/contracts");
static SCENARIO_SOURCES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios");

/// One folder of per-API subfolders (`contracts/`, `scenarios/` or `conformance/`), made of
/// layers; a later layer's file replaces an earlier layer's file of the same name.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The folder's name as shown in messages (`contracts`).
    name: &'static str,
    layers: Vec<Layer>,
}

#[derive(Debug, Clone)]
enum Layer {
    /// The copy compiled into the binary.
    Embedded(&'static Dir<'static>),
    /// A directory on disk, holding `<api>/` folders.
    Disk(PathBuf),
    /// Single documents, each an API named by its file stem.
    Documents(Vec<(String, PathBuf)>),
}

/// Where a file of a [`Tree`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The copy compiled into the binary, with its text as the binary holds it: it cannot
    /// change after the build.
    Embedded(&'static str),
    /// A file on disk.
    Disk,
}

/// A text file read from a [`Tree`].
#[derive(Debug, Clone)]
pub struct TextFile {
    /// The name used in messages: the path on disk, or `contracts/teable/openapi.yaml (embedded)`.
    pub name: String,
    /// The file name without its folder (`openapi.yaml`).
    pub file_name: String,
    /// The contents.
    pub text: String,
}

impl Tree {
    /// The embedded `contracts/` folder.
    pub fn embedded_contracts() -> Self {
        Tree { name: "contracts", layers: vec![Layer::Embedded(&CONTRACTS)] }
    }

    /// The embedded `scenarios/` folder.
    pub fn embedded_scenarios() -> Self {
        Tree { name: "scenarios", layers: vec![Layer::Embedded(&SCENARIOS)] }
    }

    /// The embedded `conformance/` folder.
    pub fn embedded_conformance() -> Self {
        Tree { name: "conformance", layers: vec![Layer::Embedded(&CONFORMANCE)] }
    }

    /// A directory on disk, alone.
    pub fn disk(path: impl Into<PathBuf>) -> Self {
        Tree { name: "files", layers: vec![Layer::Disk(path.into())] }
    }

    /// OpenAPI documents, each served as the API its file stem names (`petstore.yaml` →
    /// `petstore`), alone. Two files with one stem are an error.
    pub fn documents(files: &[PathBuf]) -> Result<Self, LoadError> {
        let mut named: Vec<(String, PathBuf)> = Vec::new();
        for file in files {
            if !file.is_file() {
                let error = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
                return Err(read_error(file, error));
            }
            let name = api_name(file);
            if let Some((_, other)) = named.iter().find(|(n, _)| *n == name) {
                return Err(LoadError::invalid(
                    file.display().to_string(),
                    "-",
                    format!("/{name}"),
                    format!(
                        "{} is mounted at /{name} already: give the files different names",
                        other.display()
                    ),
                ));
            }
            named.push((name, file.clone()));
        }
        Ok(Tree { name: "documents", layers: vec![Layer::Documents(named)] })
    }

    /// This tree with a directory laid over it. The directory must hold at least one `<api>/`
    /// folder: an empty one is almost certainly the wrong path.
    pub fn overlay(mut self, path: impl Into<PathBuf>) -> Result<Self, LoadError> {
        let path = path.into();
        let layer = Tree { name: self.name, layers: vec![Layer::Disk(path.clone())] };
        if layer.apis()?.is_empty() {
            return Err(LoadError::invalid(
                path.display().to_string(),
                "-",
                "",
                format!("holds no API folder (`<api>/...`) of {}", self.name),
            ));
        }
        self.layers.push(Layer::Disk(path));
        Ok(self)
    }

    /// The names of the per-API subfolders, sorted.
    pub fn apis(&self) -> Result<Vec<String>, LoadError> {
        self.subfolders("")
    }

    /// The names of the subfolders of `path` (`""`: the top; `arize`: an API's version
    /// folders) in every layer, sorted; none when `path` does not exist.
    pub fn subfolders(&self, path: &str) -> Result<Vec<String>, LoadError> {
        let mut names = Vec::new();
        for layer in &self.layers {
            names.extend(layer.subfolders(path)?);
        }
        names.retain(|n| !n.starts_with('.'));
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The files of one subfolder (an API's, `arize`, or a version's, `arize/current`) whose
    /// names end in one of `extensions`, sorted by name; a later layer's file replaces an
    /// earlier one's of the same name. A missing subfolder gives an empty list.
    pub fn files(&self, folder: &str, extensions: &[&str]) -> Result<Vec<TextFile>, LoadError> {
        let files = self.files_with_origin(folder, extensions)?;
        Ok(files.into_iter().map(|(file, _)| file).collect())
    }

    /// [`Tree::files`], each with the layer it comes from.
    pub fn files_with_origin(
        &self,
        folder: &str,
        extensions: &[&str],
    ) -> Result<Vec<(TextFile, Origin)>, LoadError> {
        let wanted = |name: &str| extensions.iter().any(|ext| name.ends_with(ext));
        let mut files: Vec<(TextFile, Origin)> = Vec::new();
        for layer in &self.layers {
            for (file, origin) in layer.files(self.name, folder, &wanted)? {
                files.retain(|(f, _)| f.file_name != file.file_name);
                files.push((file, origin));
            }
        }
        files.sort_by(|(a, _), (b, _)| a.file_name.cmp(&b.file_name));
        Ok(files)
    }

    /// A short description for messages: `embedded contracts`, or the directories laid over
    /// it.
    pub fn describe(&self) -> String {
        let shown: Vec<String> = self
            .layers
            .iter()
            .map(|layer| match layer {
                Layer::Embedded(_) => format!("embedded {}", self.name),
                Layer::Disk(path) => path.display().to_string(),
                Layer::Documents(files) => {
                    let names: Vec<String> =
                        files.iter().map(|(_, f)| f.display().to_string()).collect();
                    names.join(", ")
                }
            })
            .collect();
        shown.join(" + ")
    }

    /// The paths on disk this tree reads (for `--watch`).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.layers
            .iter()
            .flat_map(|layer| match layer {
                Layer::Embedded(_) => Vec::new(),
                Layer::Disk(path) => vec![path.clone()],
                Layer::Documents(files) => files.iter().map(|(_, f)| f.clone()).collect(),
            })
            .collect()
    }
}

impl Layer {
    fn subfolders(&self, path: &str) -> Result<Vec<String>, LoadError> {
        Ok(match self {
            Layer::Embedded(dir) => {
                let dir = if path.is_empty() { Some(*dir) } else { dir.get_dir(path) };
                dir.into_iter()
                    .flat_map(|dir| dir.dirs())
                    .filter_map(|d| d.path().file_name()?.to_str().map(str::to_owned))
                    .collect()
            }
            Layer::Disk(root) => {
                let folder = root.join(path);
                let mut names = Vec::new();
                if !folder.is_dir() {
                    if path.is_empty() {
                        return Err(read_error(&folder, not_a_directory()));
                    }
                    return Ok(names);
                }
                for entry in read_dir(&folder)? {
                    let entry = entry.map_err(|source| read_error(&folder, source))?;
                    if entry.path().is_dir()
                        && let Some(name) = entry.file_name().to_str()
                    {
                        names.push(name.to_owned());
                    }
                }
                names
            }
            Layer::Documents(files) if path.is_empty() => {
                files.iter().map(|(name, _)| name.clone()).collect()
            }
            Layer::Documents(_) => Vec::new(),
        })
    }

    fn files(
        &self,
        tree: &str,
        folder: &str,
        wanted: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<(TextFile, Origin)>, LoadError> {
        let mut files = Vec::new();
        match self {
            Layer::Embedded(dir) => {
                let Some(sub) = dir.get_dir(folder) else { return Ok(files) };
                for file in sub.files() {
                    let Some(file_name) = file.path().file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if !wanted(file_name) {
                        continue;
                    }
                    let display = format!("{tree}/{} (embedded)", file.path().display());
                    let text = file.contents_utf8().ok_or_else(|| LoadError::Syntax {
                        file: display.clone(),
                        message: "not UTF-8 text".into(),
                    })?;
                    let read = TextFile {
                        name: display,
                        file_name: file_name.to_owned(),
                        text: text.to_owned(),
                    };
                    files.push((read, Origin::Embedded(text)));
                }
            }
            Layer::Disk(root) => {
                let sub = root.join(folder);
                if !sub.is_dir() {
                    return Ok(files);
                }
                for entry in read_dir(&sub)? {
                    let path = entry.map_err(|source| read_error(&sub, source))?.path();
                    let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if !path.is_file() || !wanted(file_name) {
                        continue;
                    }
                    files.push((read_file(&path)?, Origin::Disk));
                }
            }
            Layer::Documents(documents) => {
                // A document is its API's one contract, whatever its extension.
                if let Some((_, path)) = documents.iter().find(|(name, _)| name == folder) {
                    files.push((read_file(path)?, Origin::Disk));
                }
            }
        }
        Ok(files)
    }
}

/// File stems that say nothing about the API (`openapi.yaml`): the folder names it instead.
const GENERIC_STEMS: &[&str] =
    &["openapi", "swagger", "api", "spec", "schema", "index", "definition", "contract"];

/// The API a document is served as: its file stem, lower-cased, anything but letters, digits,
/// `-` and `_` turned into `-` (`Petstore API.yaml` → `petstore-api`); for a generic stem
/// (`pets/openapi.yaml`), its folder's name (`pets`) when the path has one.
pub fn api_name(file: &Path) -> String {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let folder = || {
        let parent = file.parent().filter(|p| !p.as_os_str().is_empty())?;
        let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_owned());
        parent.file_name()?.to_str().map(slug).filter(|name| !name.is_empty())
    };
    match slug(stem) {
        name if GENERIC_STEMS.contains(&name.as_str()) => folder().unwrap_or(name),
        name if name.is_empty() => "api".to_owned(),
        name => name,
    }
}

/// `text` lower-cased, anything but letters, digits, `-` and `_` turned into `-`, trimmed.
fn slug(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name.trim_matches('-').to_owned()
}

/// Writes the embedded contracts and scenarios (as written, comments included) and suites
/// under `dir` (`dir/contracts/...`), for a user to start from. Refuses to overwrite files.
pub fn export(dir: &Path) -> Result<usize, LoadError> {
    let mut written = 0;
    for (name, source) in [
        ("contracts", &CONTRACT_SOURCES),
        ("scenarios", &SCENARIO_SOURCES),
        ("conformance", &CONFORMANCE),
    ] {
        written += export_dir(source, &dir.join(name))?;
    }
    Ok(written)
}

fn export_dir(dir: &Dir<'_>, to: &Path) -> Result<usize, LoadError> {
    let mut written = 0;
    for file in dir.files() {
        let path = to.join(file.path());
        if path.exists() {
            let error = std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists");
            return Err(read_error(&path, error));
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| read_error(parent, source))?;
        }
        std::fs::write(&path, file.contents()).map_err(|source| read_error(&path, source))?;
        written += 1;
    }
    for sub in dir.dirs() {
        written += export_dir(sub, to)?;
    }
    Ok(written)
}

fn not_a_directory() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory")
}

/// The files of a suite directory given on the command line: its `<api>` subfolder when it has
/// one, else the directory itself.
pub fn suite_files(dir: &Path, api: &str, extensions: &[&str]) -> Result<Vec<TextFile>, LoadError> {
    if dir.join(api).is_dir() {
        return Tree::disk(dir).files(api, extensions);
    }
    if !dir.is_dir() {
        return Err(read_error(dir, not_a_directory()));
    }
    let parent = dir.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    Tree::disk(parent).files(name, extensions)
}

/// Reads one file from disk as UTF-8 text.
pub fn read_file(path: &Path) -> Result<TextFile, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| read_error(path, source))?;
    Ok(TextFile {
        name: path.display().to_string(),
        file_name: path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned(),
        text,
    })
}

fn read_dir(path: &Path) -> Result<std::fs::ReadDir, LoadError> {
    std::fs::read_dir(path).map_err(|source| read_error(path, source))
}

fn read_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Read { path: path.to_owned(), source }
}

/// Reads a YAML document. Text that is JSON (as the embedded files are, see `build.rs`) is read
/// by the much faster JSON parser, which gives the same document; anything else, or JSON that
/// does not parse, goes to the YAML parser, whose errors name line and column.
pub fn parse_yaml(text: &str) -> Result<serde_json::Value, serde_saphyr::Error> {
    if text.trim_start().starts_with('{')
        && let Ok(value) = crate::json::parse::from_str(text)
    {
        return Ok(value);
    }
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_named_after_its_file_or_for_a_generic_name_its_folder() {
        assert_eq!(api_name(Path::new("specs/Petstore API.yaml")), "petstore-api");
        assert_eq!(api_name(Path::new("specs/pets/openapi.yaml")), "pets");
        assert_eq!(api_name(Path::new("Shop Service/swagger.json")), "shop-service");
        assert!(!api_name(Path::new("openapi.yaml")).is_empty());
        assert_eq!(api_name(Path::new("/openapi.yaml")), "openapi");
        assert_eq!(api_name(Path::new("+++.yaml")), "api");
    }
}
