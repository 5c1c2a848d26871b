//! The kinds of ../shared/reliability (issue 18), each with a fixture of our
//! own: stores that are damaged or not ours, writes that are killed, many
//! small files, text logs as editors and shells save them, accounting at the
//! right unit, special files, and hostile bytes in every output.

mod common;

use common::{repo, tracelint};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tracelint"))
}

/// One OTLP/JSON line: a trace of one chat span.
fn span_line(trace: u32, span: u32, output: &str) -> String {
    json!({"resourceSpans": [{"scopeSpans": [{"spans": [{
    "traceId": format!("{trace:032x}"), "spanId": format!("{span:016x}"),
    "name": "chat", "startTimeUnixNano": "1000", "endTimeUnixNano": "2000",
    "attributes": [
        {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
        {"key": "gen_ai.output.messages", "value": {"stringValue": output}}
    ]}]}]}]})
    .to_string()
}

fn summary_of(stdout: &[u8]) -> Value {
    let doc: Value = serde_json::from_slice(stdout).unwrap();
    doc["summary"].clone()
}

// --- 1. Stores are untrusted input -------------------------------------

/// A small xorshift: the same flips on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `stats --store` exit code and stdout.
fn stats_store(store: &Path) -> (Option<i32>, Vec<u8>) {
    let out = bin()
        .args(["stats", "--quiet", "--output-format", "json", "--store"])
        .arg(store)
        .output()
        .unwrap();
    (out.status.code(), out.stdout)
}

/// A store with labels: a chat history whose record names the mistake.
fn labelled_store(dir: &Path) -> PathBuf {
    let history = json!({
        "history": [
            {"role": "user", "name": "user", "content": "What is 6 times 7?"},
            {"role": "assistant", "name": "solver", "content": "It is 48."},
            {"role": "assistant", "name": "checker", "content": "Looks right."}
        ],
        "mistake_agent": "solver", "mistake_step": "1", "mistake_reason": "wrong product"
    });
    let input = dir.join("7.json");
    std::fs::write(&input, history.to_string()).unwrap();
    let mut traces = std::fs::read_dir(repo("sample-traces"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect::<Vec<_>>();
    traces.sort();
    let store = dir.join("s.parquet");
    let status = bin()
        .args(["ingest", "--quiet", "-o"])
        .arg(&store)
        .arg(&input)
        .args(&traces)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(dir.join("s.labels.parquet").exists());
    store
}

#[test]
fn a_damaged_store_is_refused_and_an_intact_one_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let store = labelled_store(dir.path());
    let labels = dir.path().join("s.labels.parquet");
    let (code, original) = stats_store(&store);
    assert_eq!(code, Some(0));
    let store_bytes = std::fs::read(&store).unwrap();
    let labels_bytes = std::fs::read(&labels).unwrap();

    // 1,000 single-byte flips of the store, 100 of its labels file, and 100
    // truncations of each, through the command line: exit 0 or 2 and never
    // an abort; an accepted store reads exactly the original's figures.
    let mut cases: Vec<(bool, Vec<u8>)> = Vec::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..1200 {
        let (is_store, bytes) = if i < 1100 {
            (true, &store_bytes)
        } else {
            (false, &labels_bytes)
        };
        let mut mutated = bytes.clone();
        let at = rng.below(mutated.len());
        mutated[at] ^= 1 << rng.below(8);
        cases.push((is_store, mutated));
    }
    for i in 0..200 {
        let bytes = if i < 100 { &store_bytes } else { &labels_bytes };
        cases.push((i < 100, bytes[..rng.below(bytes.len())].to_vec()));
    }
    let work = std::sync::Mutex::new(cases.into_iter().enumerate());
    let outcomes = std::sync::Mutex::new((0usize, 0usize));
    std::thread::scope(|scope| {
        for worker in 0..2 {
            let (work, outcomes, original) = (&work, &outcomes, &original);
            let (store_bytes, labels_bytes) = (&store_bytes, &labels_bytes);
            scope.spawn(move || {
                let here = tempfile::tempdir().unwrap();
                let mutated_store = here.path().join(format!("m{worker}.parquet"));
                let mutated_labels = here.path().join(format!("m{worker}.labels.parquet"));
                loop {
                    let Some((i, (is_store, bytes))) = work.lock().unwrap().next() else {
                        return;
                    };
                    let (s, l) = if is_store {
                        (&bytes, labels_bytes)
                    } else {
                        (store_bytes, &bytes)
                    };
                    std::fs::write(&mutated_store, s).unwrap();
                    std::fs::write(&mutated_labels, l).unwrap();
                    let (code, stdout) = stats_store(&mutated_store);
                    let mut counts = outcomes.lock().unwrap();
                    match code {
                        Some(0) => {
                            assert_eq!(&stdout, original, "case {i}: accepted with other figures");
                            counts.0 += 1;
                        }
                        Some(2) => counts.1 += 1,
                        other => panic!("case {i}: exit {other:?} (a crash or an abort)"),
                    }
                }
            });
        }
    });
    let (accepted, refused) = *outcomes.lock().unwrap();
    assert_eq!(accepted + refused, 1400);
    // A flip always changes the checksummed bytes: nothing damaged passes.
    assert_eq!(accepted, 0);

    let flipped = dir.path().join("flipped.parquet");
    let mut bytes = store_bytes.clone();
    bytes[store_bytes.len() / 2] ^= 0x10;
    std::fs::write(&flipped, &bytes).unwrap();
    bin()
        .args(["stats", "--store"])
        .arg(&flipped)
        .output()
        .map(|out| {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!(
                    "not a valid tracelint store: {} (checksum mismatch",
                    flipped.display()
                )),
                "{stderr}"
            );
        })
        .unwrap();
}

// --- 2. Writes are atomic ------------------------------------------------

/// A JSON Lines input large enough that a debug build takes seconds.
fn large_input(dir: &Path) -> PathBuf {
    let path = dir.join("big.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for i in 0..40_000u32 {
        writeln!(
            file,
            "{}",
            span_line(i / 4 + 1, i + 1, &format!("step {i}"))
        )
        .unwrap();
    }
    file.flush().unwrap();
    path
}

fn entries_starting(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect()
}

/// Starts `ingest -o store` through partitions spilled in `spill` and
/// waits until it is writing the new store (its temporary file exists).
fn ingest_until_writing(input: &Path, store: &Path, spill: &Path) -> std::process::Child {
    let child = bin()
        .args(["ingest", "--quiet", "--partitions", "16", "--spill-dir"])
        .arg(spill)
        .arg("-o")
        .arg(store)
        .arg(input)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let dir = store.parent().unwrap();
    let started = Instant::now();
    while entries_starting(dir, ".s.parquet.tracelint-").is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "ingest never began writing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn a_killed_ingest_leaves_the_previous_store_and_cleans_up_its_spill() {
    let dir = tempfile::tempdir().unwrap();
    let (spill, out) = (dir.path().join("spill"), dir.path().join("out"));
    std::fs::create_dir_all(&spill).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let input = large_input(dir.path());
    let store = out.join("s.parquet");
    common::ingest_to(&repo("sample-traces"), &store);
    let previous = std::fs::read(&store).unwrap();

    // SIGTERM: the store is untouched, the spill and the temporary file are
    // removed, and the exit status is 128 + 15.
    let child = ingest_until_writing(&input, &store, &spill);
    let pid = child.id() as libc::pid_t;
    // SAFETY: signals the child spawned above, still running.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = child.wait_with_output().unwrap().status;
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_eq!(std::fs::read(&store).unwrap(), previous);
    assert!(entries_starting(&spill, "tracelint-spill-").is_empty());
    assert!(entries_starting(&out, ".s.parquet.tracelint-").is_empty());

    // SIGKILL: nothing can clean up, but the store is untouched; the next
    // run removes the spill folder and the temporary file left behind.
    let mut child = ingest_until_writing(&input, &store, &spill);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&store).unwrap(), previous);
    assert_eq!(entries_starting(&spill, "tracelint-spill-").len(), 1);
    assert_eq!(entries_starting(&out, ".s.parquet.tracelint-").len(), 1);
    let status = bin()
        .args(["ingest", "--quiet", "--partitions", "2", "--spill-dir"])
        .arg(&spill)
        .arg("-o")
        .arg(&store)
        .arg(repo("sample-traces"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(entries_starting(&spill, "tracelint-spill-").is_empty());
    assert!(entries_starting(&out, ".s.parquet.tracelint-").is_empty());
    assert_eq!(stats_store(&store).0, Some(0));
}

#[test]
fn an_output_that_is_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.json");
    std::fs::copy(repo("sample-traces/healthy/trace.json"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let same = dir.path().join(".").join("in.json");
    for args in [
        vec!["ingest", "-o"],
        vec!["check", "--exit-zero", "--export-json"],
    ] {
        tracelint()
            .args(&args)
            .arg(&same)
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("is an input of this run"));
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // A report folder holding an input is refused too.
    tracelint()
        .args(["report", "-o"])
        .arg(dir.path())
        .arg(&input)
        .assert()
        .code(2);
    assert!(!dir.path().join("index.html").exists());
}

// --- 3. Memory follows events, not files ---------------------------------

/// Peak RSS in KiB of a finished child, from wait4.
#[allow(clippy::zombie_processes)] // reaped by wait4, which clippy cannot see
fn peak_rss_kib(args: &[&std::ffi::OsStr]) -> i64 {
    let child = bin()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: reaps the child just spawned.
    let reaped = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert!(reaped > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    usage.ru_maxrss
}

#[test]
fn many_one_span_files_take_about_the_memory_of_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let many = dir.path().join("many");
    std::fs::create_dir(&many).unwrap();
    let mut all = String::new();
    for i in 1..=3000u32 {
        let line = span_line(i, i, "done");
        std::fs::write(many.join(format!("t{i:05}.json")), &line).unwrap();
        all.push_str(&line);
        all.push('\n');
    }
    let one = dir.path().join("one.jsonl");
    std::fs::write(&one, all).unwrap();
    let args = |input: &Path| -> Vec<std::ffi::OsString> {
        ["check", "--quiet", "--exit-zero", "--output-format", "json"]
            .iter()
            .map(Into::into)
            .chain([input.as_os_str().to_owned()])
            .collect()
    };
    let rss = |input: &Path| {
        let owned = args(input);
        let refs: Vec<&std::ffi::OsStr> = owned.iter().map(|a| a.as_os_str()).collect();
        peak_rss_kib(&refs)
    };
    let (files, single) = (rss(&many), rss(&one));
    // Before issue 18: about 2 MiB per file (6 GB here).
    assert!(
        files < 2 * single,
        "3,000 files: {files} KiB; the same spans in one file: {single} KiB"
    );
}

// --- 4. Text logs read as written ----------------------------------------

/// `check --output-format json` of FILE, run in its folder so that outputs
/// name it the same way whatever folder it is in.
fn check_json_in(dir: &Path, file: &str) -> Value {
    let stdout = common::stdout_of(tracelint().current_dir(dir).args([
        "check",
        "--quiet",
        "--exit-zero",
        "--output-format",
        "json",
        file,
    ]));
    serde_json::from_slice(&stdout).unwrap()
}

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    [0xff, 0xfe]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

#[test]
fn text_logs_and_json_read_the_same_whatever_line_ends_blanks_and_byte_order_marks() {
    let inputs = [
        (
            "tests/fixtures/frameworks/ag2/repeated_tool_call/runtime.log",
            "runtime.log",
        ),
        (
            "tests/fixtures/frameworks/crewai/planner_no_convergence/logs.txt",
            "logs.txt",
        ),
        ("sample-traces/healthy/trace.json", "trace.json"),
        (
            "tests/fixtures/frameworks/openai_agents/repeated_tool_call/native.jsonl",
            "trace.jsonl",
        ),
    ];
    for (source, name) in inputs {
        let clean = std::fs::read_to_string(repo(source)).unwrap();
        assert!(!clean.contains('\r'), "{source} is the LF original");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), &clean).unwrap();
        let expected = check_json_in(dir.path(), name);
        assert!(
            expected["summary"]["events"].as_u64().unwrap() > 0,
            "{source}"
        );
        let trailing_blanks: String = clean.lines().map(|l| format!("{l}  \t\n")).collect();
        let variants: Vec<(&str, Vec<u8>)> = vec![
            ("CRLF", clean.replace('\n', "\r\n").into_bytes()),
            ("CR", clean.replace('\n', "\r").into_bytes()),
            ("leading blank lines", format!("\n  \n{clean}").into_bytes()),
            ("trailing blanks", trailing_blanks.into_bytes()),
            ("a last line of blanks", format!("{clean}  \n").into_bytes()),
            (
                "UTF-8 BOM",
                [&b"\xef\xbb\xbf"[..], clean.as_bytes()].concat(),
            ),
            ("UTF-16LE BOM", utf16le_with_bom(&clean)),
            (
                "UTF-16LE BOM and CRLF",
                utf16le_with_bom(&clean.replace('\n', "\r\n")),
            ),
        ];
        for (what, bytes) in variants {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(name), bytes).unwrap();
            let mut got = check_json_in(dir.path(), name);
            let mut expected = expected.clone();
            if what == "leading blank lines" {
                // Lines keep their numbers, which the blank lines shift.
                for doc in [&mut got, &mut expected] {
                    for finding in doc["findings"].as_array_mut().unwrap() {
                        finding["source_line"] = Value::Null;
                    }
                }
            }
            assert_eq!(got, expected, "{source}, {what}");
        }
    }
}

// --- 5. Accounting at the right unit -------------------------------------

#[test]
fn one_bad_span_skips_that_span_and_a_merged_copy_counts_as_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value = serde_json::from_str(&span_line(1, 1, "a")).unwrap();
    let mut bad = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0].clone();
    bad["spanId"] = json!(7);
    let good = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0].clone();
    let mut second = good.clone();
    second["spanId"] = json!("0000000000000002");
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"] = json!([good, bad, second]);
    let path = dir.path().join("doc.json");
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = bin()
        .args(["stats", "--output-format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let summary = summary_of(&out.stdout);
    assert_eq!(summary["records_read"], 3, "{summary}");
    assert_eq!(summary["ingested"], 2);
    assert_eq!(summary["skipped_reasons"]["invalid_span"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Reported at the bad value's line of the pretty-printed document, with
    // the span's JSON path.
    let line = 1 + serde_json::to_string_pretty(&doc)
        .unwrap()
        .lines()
        .position(|l| l.contains("\"spanId\": 7"))
        .unwrap();
    assert!(
        stderr.contains(&format!(
            "{}:{line}: skipped (invalid_span): resourceSpans[0].scopeSpans[0].spans[1]: invalid type: integer `7`, expected a string",
            path.display()
        )),
        "{stderr}"
    );

    // Two identical lines: both read and ingested, one repaired, one event.
    let line = span_line(2, 2, "b");
    let dup = dir.path().join("dup.jsonl");
    std::fs::write(&dup, format!("{line}\n{line}\n")).unwrap();
    let out = bin()
        .args(["stats", "--quiet", "--output-format", "json"])
        .arg(&dup)
        .output()
        .unwrap();
    let summary = summary_of(&out.stdout);
    assert_eq!(
        (
            &summary["records_read"],
            &summary["ingested"],
            &summary["repaired"],
            &summary["events"]
        ),
        (&json!(2), &json!(2), &json!(1), &json!(1)),
        "{summary}"
    );
}

#[test]
fn no_traces_names_each_input_and_what_it_held() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, r#"{"resourceSpans": [{"scopeSpans": []}]}"#).unwrap();
    let other = dir.path().join("other.json");
    std::fs::write(&other, r#"{"hello": "world"}"#).unwrap();
    let out = bin().arg("check").arg(&empty).arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tracelint: error: no traces were read from the input"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "  {}: read as otlp_json, 0 event(s): no span, run or message in it",
            empty.display()
        )),
        "{stderr}"
    );
    // The file that is no trace is told once, on its own line, not again
    // in the error's list; under --quiet the list is the only place.
    let told = format!(
        "tracelint: {}: skipped (unknown_format): not a recognised trace format: the first record is an object with keys [hello]; formats tried: otlp_json,",
        other.display()
    );
    assert!(stderr.contains(&told), "{stderr}");
    assert_eq!(stderr.matches("keys [hello]").count(), 1, "{stderr}");
    let quiet = bin()
        .args(["check", "--quiet"])
        .arg(&empty)
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        stderr.contains(&format!(
            "  {}: not read (unknown_format: not a recognised trace format: the first record is an object with keys [hello]",
            other.display()
        )),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&quiet.stdout)
        .contains("No traces were read: nothing was checked."));
}

// --- 6. Special files -----------------------------------------------------

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[cfg(unix)]
#[test]
fn fifos_links_and_pipes_are_read_once_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("in");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.json"), span_line(1, 1, "a")).unwrap();
    mkfifo(&folder.join("pipe.json"));
    std::os::unix::fs::symlink("loop.json", folder.join("loop.json")).unwrap();

    // In a folder: the FIFO and the link loop are reported, the run goes on.
    let out = tracelint()
        .args(["check", "--exit-zero", "--output-format", "json"])
        .arg(&folder)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary = summary_of(&out.stdout);
    assert_eq!(summary["files"], 3, "{summary}");
    assert_eq!(summary["traces"], 1);
    assert_eq!(summary["skipped_reasons"]["special_file"], 1);
    assert_eq!(summary["skipped_reasons"]["unreadable_file"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a FIFO is not read when found in a folder"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Too many levels of symbolic links"),
        "{stderr}"
    );
    // Named or globbed, a link loop says ELOOP, not "no such file".
    for path in [folder.join("loop.json"), folder.join("l*.json")] {
        let out = tracelint()
            .arg("check")
            .arg(&path)
            .arg(folder.join("a.json"))
            .args(["--exit-zero", "--output-format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            summary_of(&out.stdout)["skipped_reasons"]["unreadable_file"],
            1
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("Too many levels of symbolic links"));
    }

    // Named, a FIFO is read once: all of what its writer wrote.
    let fifo = dir.path().join("named.json");
    mkfifo(&fifo);
    let trace = std::fs::read(repo("sample-traces/healthy/trace.json")).unwrap();
    let writer = {
        let (fifo, trace) = (fifo.clone(), trace.clone());
        std::thread::spawn(move || std::fs::write(&fifo, trace).unwrap())
    };
    let stdout = common::stdout_of(
        tracelint()
            .args(["check", "--exit-zero", "--output-format", "json"])
            .arg(&fifo)
            .timeout(Duration::from_secs(60)),
    );
    writer.join().unwrap();
    assert_eq!(summary_of(&stdout)["events"], 15);

    // A process substitution (a pipe under /dev/fd) likewise.
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(format!(
        "{} check <(cat {}) --exit-zero --output-format json",
        env!("CARGO_BIN_EXE_tracelint"),
        repo("sample-traces/healthy/trace.json").display()
    ));
    let stdout = common::stdout_of(&mut assert_cmd::Command::from_std(bash));
    assert_eq!(summary_of(&stdout)["events"], 15);
}

// --- 7. Hostile bytes are inert in every output ----------------------------

const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{7f}";

fn hostile_input(dir: &Path) -> PathBuf {
    let span = |span: u32, name: &str, output: &str| {
        json!({"traceId": format!("{:032x}", 9), "spanId": format!("{span:016x}"),
        "name": name, "startTimeUnixNano": (1000 * span).to_string(),
        "endTimeUnixNano": (1000 * span + 500).to_string(),
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": format!("@agent{HOSTILE}")}},
            {"key": "gen_ai.output.messages", "value": {"stringValue": output}}
        ]})
    };
    // The same output three times: a finding whose evidence is hostile.
    let spans: Vec<Value> = (1..=3)
        .map(|i| {
            span(
                i,
                &format!("=HYPERLINK(\"x\"){HOSTILE}"),
                &format!("@SUM(1) the plan is ready and it is final {HOSTILE}"),
            )
        })
        .collect();
    let doc = json!({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]});
    let path = dir.join(format!("t{HOSTILE}.json").replace('/', "_"));
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// Whether `text` carries a character that acts on a terminal or reorders
/// text: a control (but newline and tab) or a bidi control.
fn live(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn hostile_bytes_are_inert_in_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = hostile_input(dir.path());
    for format in ["table", "github", "markdown", "gitlab"] {
        let out = bin()
            .args(["check", "--exit-zero", "--output-format", format])
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.contains("\\u{1b}"),
            "{format}: the escape is shown: {stdout}"
        );
        assert_eq!(live(&stdout), None, "{format}");
        assert_eq!(
            live(&String::from_utf8_lossy(&out.stderr)),
            None,
            "{format} stderr"
        );
    }
    for command in [&["stats"][..], &["blame", "--known-failed"][..]] {
        let out = bin().args(command).arg(&input).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            live(&String::from_utf8(out.stdout).unwrap()),
            None,
            "{command:?}"
        );
    }
    // A skip message naming the hostile file stays on its line.
    let broken = dir
        .path()
        .join(format!("b{HOSTILE}\nfake.jsonl").replace('/', "_"));
    std::fs::write(&broken, format!("{}\n{{oops\n", span_line(1, 1, "a"))).unwrap();
    let out = bin()
        .arg("check")
        .arg(&broken)
        .arg("--exit-zero")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(live(&stderr), None);
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.contains("skipped (malformed_json)"))
            .count(),
        1,
        "{stderr}"
    );

    // JUnit stays well-formed XML.
    let junit = dir.path().join("junit.xml");
    bin()
        .args(["check", "--exit-zero", "--quiet", "--export-junit"])
        .arg(&junit)
        .arg(&input)
        .status()
        .unwrap();
    let suites = junit_parser::from_reader(std::io::BufReader::new(
        std::fs::File::open(&junit).unwrap(),
    ))
    .expect("the JUnit file parses");
    assert_eq!(suites.suites[0].cases.len(), 1);

    // CSV cells never start a formula; SVG charts parse as XML.
    for table in ["traces", "agents", "tools"] {
        let out = bin()
            .args(["stats", "--output-format", "csv", "--table", table])
            .arg(&input)
            .output()
            .unwrap();
        let csv = String::from_utf8(out.stdout).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{table}: {cell:?}"
                );
            }
        }
    }
    let report = dir.path().join("report");
    tracelint()
        .args(["report", "--quiet", "-o"])
        .arg(&report)
        .arg(&input)
        .assert()
        .code(0);
    let traces_csv = std::fs::read_to_string(report.join("traces.csv")).unwrap();
    assert!(traces_csv.contains(",'@agent"), "{traces_csv}");
    let mut charts = 0;
    for entry in std::fs::read_dir(report.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            let mut reader = quick_xml::Reader::from_str(&svg);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{} is not XML: {e}", path.display()),
                }
            }
            assert!(svg.chars().all(|c| c >= ' ' || "\t\n\r".contains(c)));
            charts += 1;
        }
    }
    assert!(charts >= 3);
}

// --- Found by a new user's trial (regressions) -----------------------------

#[cfg(unix)]
#[test]
fn a_symlinked_output_is_written_where_it_points_and_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.parquet");
    std::fs::write(&real, b"old").unwrap();
    let link = dir.path().join("link.parquet");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    common::ingest_to(&repo("sample-traces/healthy/trace.json"), &link);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(stats_store(&real).0, Some(0));
    tracelint()
        .args(["ingest", "-o", "/dev/null"])
        .arg(repo("sample-traces/healthy/trace.json"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "cannot write /dev/null: not a regular file",
        ));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[cfg(unix)]
#[test]
fn a_recursive_glob_does_not_follow_folder_link_loops() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sl/sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("a.json"), span_line(1, 1, "a")).unwrap();
    std::fs::write(dir.path().join("sl/b.json"), span_line(2, 2, "b")).unwrap();
    std::os::unix::fs::symlink("..", sub.join("up")).unwrap();
    std::os::unix::fs::symlink("../sub", sub.join("loop")).unwrap();
    let out = tracelint()
        .current_dir(dir.path())
        .args([
            "check",
            "sl/**/*.json",
            "--exit-zero",
            "--output-format",
            "json",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let summary = summary_of(&out.stdout);
    assert_eq!(
        (&summary["files"], &summary["traces"]),
        (&json!(2), &json!(2))
    );
}

#[test]
fn a_store_without_its_labels_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = labelled_store(dir.path());
    std::fs::remove_file(dir.path().join("s.labels.parquet")).unwrap();
    tracelint()
        .args(["stats", "--store"])
        .arg(&store)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("its 1 labels are missing"));
}

#[test]
fn a_cut_gzip_stream_keeps_the_lines_before_the_cut() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    // Lines of random hex so that the compressed stream is long.
    let mut rng = Rng(7);
    let lines: Vec<String> = (1..=40u32)
        .map(|i| {
            let noise: String = (0..400).map(|_| format!("{:x}", rng.below(16))).collect();
            span_line(i, i, &noise)
        })
        .collect();
    let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(lines.join("\n").as_bytes()).unwrap();
    let gz = encoder.finish().unwrap();
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let out = bin()
        .args(["stats", "--output-format", "json"])
        .arg(&cut)
        .output()
        .unwrap();
    let summary = summary_of(&out.stdout);
    let ingested = summary["ingested"].as_u64().unwrap();
    assert!(
        ingested >= 10,
        "only {ingested} of the lines before the cut: {summary}"
    );
    assert_eq!(
        summary["skipped_reasons"]["unreadable_file"], 1,
        "{summary}"
    );
}
