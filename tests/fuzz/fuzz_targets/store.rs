//! Any bytes as a store file (seed the corpus with stores `tracelint
//! ingest` wrote): refused or read, never a panic or an abort.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir_in(std::env::temp_dir()).expect("a temporary folder");
    let path = dir.path().join("s.parquet");
    std::fs::write(&path, data).expect("written");
    let _ = tracelint::store::read_store(&path);
});
