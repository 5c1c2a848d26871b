//! Any bytes after the first line of a text log (AG2's runtime.log, a
//! CrewAI logs.txt), so that the text adapters, not sniffing, meet them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracelint::ingest::{read_stream, with_traces, IngestOptions, MemorySink};

const HEADS: [&[u8]; 2] = [
    b"Started new session with Session ID: 1f05ce06-baf0-48c3-a81b-5ae5c289e7b4\n",
    b"2026-11-23 01:21:58: task_name=\"plan\", task=\"Plan it.\", agent=\"planner\", status=\"started\"\n",
];

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let input = [HEADS[choice as usize % HEADS.len()], rest].concat();
    let sink = MemorySink::default();
    let mut read = read_stream(
        &mut std::io::Cursor::new(input),
        "fuzz.log",
        &IngestOptions::default(),
        &sink,
    )
    .expect("the memory sink takes everything");
    with_traces(sink.into_chunks(), &mut read.report, |traces| traces.len());
    let s = &read.report.summary;
    assert_eq!(s.records_read, s.ingested + s.skipped);
});
