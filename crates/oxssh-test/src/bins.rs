//! The workspace's own executables as tests find them: a tool's tests may drive another tool of
//! the suite (copy-id runs the client, ssh-add talks to the agent), which `cargo build --workspace`
//! puts next to the package under test.

use std::path::PathBuf;

/// The directory holding the workspace's executables for this build (`target/<profile>`): the test
/// binary runs from its `deps/` folder.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("test binary directory");
    match deps.file_name() {
        Some(name) if name == "deps" => deps.parent().unwrap_or(deps).to_path_buf(),
        _ => deps.to_path_buf(),
    }
}

/// Another executable of the workspace, built next to the test's own package by `cargo build
/// --workspace`; `None` with a loud skip (a failure under `CI=true`) when it has not been built.
pub fn sibling(name: &str) -> Option<PathBuf> {
    let path = bin_dir().join(name);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!(
            "{} is missing: CI builds the whole workspace first",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {} is not built (cargo build -p {name})",
        path.display()
    );
    None
}
