/// mimalloc instead of the system allocator: ingest allocates and frees
/// millions of small strings and vectors, and glibc's malloc and free were
/// 16% of `check`'s profile (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tracelint::cli::run()
}
