//! `minyi`: parse the command line and hand over to `cli`.

/// mimalloc rather than glibc's malloc: a submission allocates a few hundred small blocks on a
/// request worker, many freed on the response writer's thread; under load it cut the request
/// workers' CPU per stored response from 56 to 41 µs (docs/performance.md, the third day).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    minyi::cli::main()
}
