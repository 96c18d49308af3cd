//! Prepares the embedded folders (`contracts`, `scenarios`, `conformance`) in `OUT_DIR`, where
//! `src/files.rs` compiles them in from.
//!
//! YAML files are stored as the equivalent JSON under their own names: parsing JSON at start-up
//! is several times faster than parsing YAML, and start-up is measured in milliseconds. The
//! loader reads JSON text in a `.yaml` file as the same document (JSON is YAML), so nothing
//! else changes; files on disk are read as they are. A file that does not parse is copied
//! unchanged, so its error is reported by the loader, with the file name, like any other.
//!
//! On Linux the `understudy` executable is linked at a fixed address (`-no-pie`): a
//! position-independent one carries 1.1 MB of relocations that the loader reads and applies to
//! 0.75 MB of pointers at every start, and those pages stay resident (2.3 MiB of the idle
//! server's 24 MiB, README, Performance). The code is still compiled position-independent (as
//! Cargo builds every crate), so only the final link changes; the shared libraries, stack and
//! heap keep their random addresses, the executable's own code does not. The Docker image's
//! binary is static and non-PIE already (its `RUSTFLAGS`).

use std::path::Path;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=understudy=-no-pie");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded");
    for folder in ["contracts", "scenarios", "conformance"] {
        // Rebuild when anything under the folder changes, files added later included.
        println!("cargo:rerun-if-changed={folder}");
        let target = out.join(folder);
        if target.exists() {
            std::fs::remove_dir_all(&target).expect("cannot clear OUT_DIR");
        }
        copy(&root.join(folder), &target);
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("cannot create a folder in OUT_DIR");
    let Ok(entries) = std::fs::read_dir(from) else { return };
    for entry in entries {
        let path = entry.expect("cannot read a folder").path();
        let name = path.file_name().expect("entries have names");
        if path.is_dir() {
            copy(&path, &to.join(name));
            continue;
        }
        let bytes = std::fs::read(&path).expect("cannot read an embedded file");
        let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        let converted = yaml.then(|| as_json(&bytes)).flatten();
        std::fs::write(to.join(name), converted.unwrap_or(bytes)).expect("cannot write OUT_DIR");
    }
}

/// The YAML document as compact JSON, read with the loader's options; `None` when it does not
/// parse.
fn as_json(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let options = serde_saphyr::options! { strict_booleans: true };
    let value: serde_json::Value = serde_saphyr::from_str_with_options(text, options).ok()?;
    serde_json::to_vec(&value).ok()
}
