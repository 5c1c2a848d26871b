fn main() -> std::process::ExitCode {
    tracelint::cli::run()
}
