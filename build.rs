//! Rebuild when anything under the embedded folders changes: `include_dir!` tracks the files
//! it read, but not files added later.

fn main() {
    for folder in ["contracts", "scenarios"] {
        println!("cargo:rerun-if-changed={folder}");
    }
}
