//! Rebuilds the binary when a migration is added or changed: `storage` embeds `migrations/`
//! with diesel's `embed_migrations!`, which Cargo does not otherwise know to watch. And names
//! the commit built from (`BUILT_FROM_COMMIT`, for `minyi --version` and `/metrics`), where the
//! source is a git checkout: an operator with two nodes can tell which build each runs.
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| !commit.is_empty());
    println!(
        "cargo:rustc-env=BUILT_FROM_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    // Built again when the checkout moves to another commit: HEAD, and the branch it names.
    let mut watched = vec![".git/HEAD".to_owned(), ".git/packed-refs".to_owned()];
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        if let Some(branch) = head.trim().strip_prefix("ref: ") {
            watched.push(format!(".git/{branch}"));
        }
    }
    for path in watched.iter().filter(|path| Path::new(path).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
}
