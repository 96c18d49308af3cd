//! Where contracts, scenarios and conformance suites are read from.
//!
//! The three folders of the repository are compiled into the binary, so `understudy serve` works
//! from an empty directory. A [`Tree`] hides whether a folder is that embedded copy or a
//! directory on disk given with `--contracts` / `--scenarios`; everything above it sees named
//! text files grouped by API.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::error::LoadError;

// The folders as `build.rs` prepared them: YAML files hold the same document as JSON.
static CONTRACTS: Dir<'static> = include_dir!("$OUT_DIR/embedded/contracts");
static SCENARIOS: Dir<'static> = include_dir!("$OUT_DIR/embedded/scenarios");
static CONFORMANCE: Dir<'static> = include_dir!("$OUT_DIR/embedded/conformance");

/// One folder of per-API subfolders: `contracts/`, `scenarios/` or `conformance/`.
#[derive(Debug, Clone)]
pub enum Tree {
    /// The copy compiled into the binary.
    Embedded {
        /// The folder's name as shown in messages (`contracts`).
        name: &'static str,
        /// The compiled-in directory.
        dir: &'static Dir<'static>,
    },
    /// A directory on disk.
    Disk(PathBuf),
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
        Tree::Embedded { name: "contracts", dir: &CONTRACTS }
    }

    /// The embedded `scenarios/` folder.
    pub fn embedded_scenarios() -> Self {
        Tree::Embedded { name: "scenarios", dir: &SCENARIOS }
    }

    /// The embedded `conformance/` folder.
    pub fn embedded_conformance() -> Self {
        Tree::Embedded { name: "conformance", dir: &CONFORMANCE }
    }

    /// A directory on disk.
    pub fn disk(path: impl Into<PathBuf>) -> Self {
        Tree::Disk(path.into())
    }

    /// The names of the per-API subfolders, sorted.
    pub fn apis(&self) -> Result<Vec<String>, LoadError> {
        self.subfolders("")
    }

    /// The names of the subfolders of `path` (`""`: the top; `arize`: an API's version
    /// folders), sorted; none when `path` does not exist.
    pub fn subfolders(&self, path: &str) -> Result<Vec<String>, LoadError> {
        let mut names = match self {
            Tree::Embedded { dir, .. } => {
                let dir = if path.is_empty() { Some(*dir) } else { dir.get_dir(path) };
                dir.into_iter()
                    .flat_map(|dir| dir.dirs())
                    .filter_map(|d| d.path().file_name()?.to_str().map(str::to_owned))
                    .collect::<Vec<_>>()
            }
            Tree::Disk(root) => {
                let folder = root.join(path);
                let mut names = Vec::new();
                if !path.is_empty() && !folder.is_dir() {
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
        };
        names.retain(|n| !n.starts_with('.'));
        names.sort();
        Ok(names)
    }

    /// The files of one subfolder (an API's, `arize`, or a version's, `arize/current`) whose
    /// names end in one of `extensions`, sorted by name. A missing subfolder gives an empty
    /// list.
    pub fn files(&self, folder: &str, extensions: &[&str]) -> Result<Vec<TextFile>, LoadError> {
        let wanted = |name: &str| extensions.iter().any(|ext| name.ends_with(ext));
        let mut files = Vec::new();
        match self {
            Tree::Embedded { name, dir } => {
                let Some(sub) = dir.get_dir(folder) else { return Ok(files) };
                for file in sub.files() {
                    let Some(file_name) = file.path().file_name().and_then(|n| n.to_str()) else {
                        continue;
                    };
                    if !wanted(file_name) {
                        continue;
                    }
                    let display = format!("{name}/{} (embedded)", file.path().display());
                    let text = file.contents_utf8().ok_or_else(|| LoadError::Syntax {
                        file: display.clone(),
                        message: "not UTF-8 text".into(),
                    })?;
                    files.push(TextFile {
                        name: display,
                        file_name: file_name.to_owned(),
                        text: text.to_owned(),
                    });
                }
            }
            Tree::Disk(root) => {
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
                    files.push(read_file(&path)?);
                }
            }
        }
        files.sort_by(|a, b| a.file_name.cmp(&b.file_name));
        Ok(files)
    }

    /// A short description for messages: `embedded contracts` or the directory.
    pub fn describe(&self) -> String {
        match self {
            Tree::Embedded { name, .. } => format!("embedded {name}"),
            Tree::Disk(path) => path.display().to_string(),
        }
    }
}

/// The files of a suite directory given on the command line: its `<api>` subfolder when it has
/// one, else the directory itself.
pub fn suite_files(dir: &Path, api: &str, extensions: &[&str]) -> Result<Vec<TextFile>, LoadError> {
    if dir.join(api).is_dir() {
        return Tree::disk(dir).files(api, extensions);
    }
    if !dir.is_dir() {
        return Err(read_error(
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        ));
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
        && let Ok(value) = serde_json::from_str(text)
    {
        return Ok(value);
    }
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options)
}
