//! `minyi`: parse the command line and hand over to `cli`.

fn main() -> std::process::ExitCode {
    minyi::cli::main()
}
