//! Any bytes as one input: sniffed, framed (JSON Lines, a document, a text
//! log), parsed by whichever format claims them, and assembled into traces.
//! Nothing may panic, and every record read is accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracelint::ingest::{read_stream, with_traces, IngestOptions, MemorySink};

fuzz_target!(|data: &[u8]| {
    let sink = MemorySink::default();
    let options = IngestOptions {
        max_record_bytes: 1 << 20,
        ..IngestOptions::default()
    };
    let mut read = read_stream(&mut std::io::Cursor::new(data), "fuzz", &options, &sink)
        .expect("the memory sink takes everything");
    with_traces(sink.into_chunks(), &mut read.report, |traces| traces.len());
    let s = &read.report.summary;
    assert_eq!(s.records_read, s.ingested + s.skipped);
});
