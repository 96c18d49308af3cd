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
//!
//! A release build linked by Rust's own LLD (the default for `x86_64-unknown-linux-gnu` since
//! Rust 1.90) also places the functions that start-up and the first requests run together, in
//! the order `link/startup-order.txt` lists (`scripts/startup-order.py` writes it). The kernel
//! maps code 64 kB around each page touched, and those 3 MB of functions were spread over
//! nearly every 64 kB of the 14 MB of code: an idle server held 11 MiB of code, and holds
//! 3.3 MiB once they are together. Only the order of the functions changes. With another
//! linker, or one chosen in the configuration, the list is not passed: GNU ld does not know the
//! option.

use std::path::Path;

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=understudy=-no-pie");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if release_linked_by_rust_lld() {
        // Only the build that passes the list is redone when it changes.
        println!("cargo:rerun-if-changed=link/startup-order.txt");
        let order = root.join("link/startup-order.txt");
        // `-Xlinker` passes each argument whole (a path may hold a comma). A listed name the
        // binary lacks (the list is older than the code) is skipped without a warning.
        for arg in [
            "--no-warn-symbol-ordering".to_owned(),
            format!("--symbol-ordering-file={}", order.display()),
        ] {
            println!("cargo:rustc-link-arg-bin=understudy=-Xlinker");
            println!("cargo:rustc-link-arg-bin=understudy={arg}");
        }
    }
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

/// Whether this is a release build for `x86_64-unknown-linux-gnu` by Rust 1.90 or later with no
/// linker chosen in the configuration: then Rust links with its own LLD, which knows
/// `--symbol-ordering-file`.
fn release_linked_by_rust_lld() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let target =
        (var("CARGO_CFG_TARGET_ARCH"), var("CARGO_CFG_TARGET_OS"), var("CARGO_CFG_TARGET_ENV"));
    if var("PROFILE") != "release" || target != ("x86_64".into(), "linux".into(), "gnu".into()) {
        return false;
    }
    // A linker set for the target (`RUSTC_LINKER`) or in the flags (`-C linker=`,
    // `-C linker-features=-lld`, `-C link-self-contained=-linker`, `-C link-arg=-fuse-ld=…`).
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if std::env::var_os("RUSTC_LINKER").is_some()
        || ["linker", "link-self-contained", "fuse-ld"].iter().any(|word| flags.contains(word))
    {
        return false;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = std::process::Command::new(rustc).arg("-vV").output() else { return false };
    let text = String::from_utf8_lossy(&output.stdout);
    let release = text.lines().find_map(|line| line.strip_prefix("release: ")).unwrap_or("");
    let mut numbers = release.split(['.', '-']).map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    (major, minor) >= (1, 90)
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
