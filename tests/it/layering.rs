//! `scripts/layering.py` (run by `.ci/run`) passes on the source as it is, and fails on a copy
//! where a lower wing names a higher one, or two files import each other.

use std::path::{Path, PathBuf};
use std::process::Command;

fn check(root: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/layering.py");
    let output =
        Command::new("python3").arg(script).arg("--root").arg(root).output().expect("python3 runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A copy of `src/` to break.
fn copy_of_src(name: &str) -> PathBuf {
    let to =
        std::env::temp_dir().join(format!("understudy-layering-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &to);
    to
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn append(file: &Path, line: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, format!("{text}\n{line}\n")).unwrap();
}

#[test]
fn the_source_keeps_the_wings_import_rules() {
    let (passed, report) = check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(passed, "{report}");
    assert!(report.contains("no forbidden path, no import cycle"), "{report}");
}

#[test]
fn a_contract_file_naming_the_mock_is_caught() {
    let root = copy_of_src("forbidden");
    append(&root.join("contract/model.rs"), "use crate::mock::App;");
    let (passed, report) = check(&root);
    assert!(!passed, "{report}");
    assert!(
        report.contains("contract/model.rs") && report.contains("contract may not name mock"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn two_files_importing_each_other_are_caught() {
    let root = copy_of_src("cycle");
    append(&root.join("json/text.rs"), "use crate::json::pointer::tokens;");
    append(&root.join("json/pointer.rs"), "use crate::json::text::as_text;");
    let (passed, report) = check(&root);
    assert!(!passed, "{report}");
    assert!(report.contains("import cycle") && report.contains("json/text.rs"), "{report}");
    let _ = std::fs::remove_dir_all(root);
}
