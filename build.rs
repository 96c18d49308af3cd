//! Rebuild when anything under the embedded folders changes: `include_dir!` tracks the files
//! it read, but not files added later.

fn main() {
    for folder in ["contracts", "scenarios", "conformance"] {
        println!("cargo:rerun-if-changed={folder}");
    }
}
