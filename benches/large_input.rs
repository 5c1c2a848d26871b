//! An input larger than memory should be: `check` on a 10 GiB corpus
//! (`TRACELINT_BENCH_GIB` sets the size) of the same generator as
//! `ingest_throughput`, read through partitions spilled to disk. Reports
//! wall time, peak RSS (the issue's bound: under 2 GiB), where the time
//! went (`--timings`) and what was found per detector beside the planted
//! shapes.
//!
//! Run: `cargo bench --bench large_input`. Needs the corpus's size free on
//! disk for the corpus (kept in target/bench-corpus/), and about a third of
//! it in the temporary directory for the spill.

#[path = "common/corpus.rs"]
mod corpus;
#[path = "common/measure.rs"]
mod measure;

fn main() -> std::io::Result<()> {
    let gib = corpus::size_from_env("TRACELINT_BENCH_GIB", 10);
    let corpus = corpus::corpus(gib << 30)?;
    let findings = corpus.dir.with_extension("findings.jsonl");
    let measure::CheckRun {
        seconds,
        rss_mib,
        timings,
    } = measure::check(&corpus.dir, &findings)?;
    corpus.print_summary();
    println!("| pass | seconds | MB/s | peak RSS MiB | RSS / input |");
    println!("|---|---:|---:|---:|---:|");
    println!(
        "| tracelint check (partitioned, end to end, JSON Lines out) | {seconds:.1} | {:.0} | {rss_mib:.0} | {:.3} |",
        corpus.bytes as f64 / 1e6 / seconds,
        rss_mib * 1048576.0 / corpus.bytes as f64
    );
    println!();
    println!("```\n{timings}```");
    measure::print_traces_per_detector(&findings)
}
