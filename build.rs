//! Rebuilds the binary when a migration is added or changed: `storage` embeds `migrations/`
//! with diesel's `embed_migrations!`, which Cargo does not otherwise know to watch.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
