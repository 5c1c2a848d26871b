//! `--timings`: where a run's wall time went, phase by phase, printed on
//! stderr at the end. For a user whose run is slow (is it reading, the
//! detectors, the output?) and for the performance work of issue 7, whose
//! phase tables came from this and can be measured again by anyone.
//!
//! A phase is timed on the thread that enters it, whatever runs in parallel
//! inside it; phases do not nest. A phase entered again (once per partition)
//! adds up. Unless `--timings` is given, timing a phase costs one atomic
//! load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
/// Each phase's total, in the order phases were first entered.
static PHASES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

/// Starts recording phases.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Runs `work` as (part of) the phase `name`.
pub fn phase<T>(name: &'static str, work: impl FnOnce() -> T) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return work();
    }
    let started = Instant::now();
    let result = work();
    add(name, started.elapsed());
    result
}

fn add(name: &'static str, elapsed: Duration) {
    let mut phases = PHASES.lock().unwrap_or_else(PoisonError::into_inner);
    match phases.iter_mut().find(|(phase, _)| *phase == name) {
        Some((_, total)) => *total += elapsed,
        None => phases.push((name, elapsed)),
    }
}

/// The phases recorded, against the run's `total` wall time, and the peak
/// RSS so far, as text for stderr; `None` when timings were not asked for.
pub fn summary(total: Duration) -> Option<String> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    let phases = PHASES.lock().unwrap_or_else(PoisonError::into_inner);
    let run = Run {
        total,
        threads: rayon::current_num_threads(),
        peak_rss_kib: peak_rss_kib(),
    };
    Some(render(&phases, &run))
}

/// What the summary says of the whole run.
struct Run {
    total: Duration,
    threads: usize,
    /// `None` where the system does not tell (no `/proc`).
    peak_rss_kib: Option<u64>,
}

/// The process's peak resident set so far (`VmHWM`), on Linux.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One line per phase (seconds and share of the total), then what no phase
/// covers (arguments, opening files, exit), the total and the peak RSS.
fn render(phases: &[(&'static str, Duration)], run: &Run) -> String {
    let Run { total, threads, .. } = *run;
    let covered: Duration = phases.iter().map(|(_, d)| *d).sum();
    let other = total.saturating_sub(covered);
    let width = phases.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let width = width.max("other".len());
    let share = |d: Duration| 100.0 * d.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON);
    let mut text = format!("tracelint: timings (wall clock, {threads} threads)\n");
    for (name, elapsed) in phases.iter().chain([&("other", other)]) {
        text += &format!(
            "  {name:<width$}  {:>8.3} s  {:>5.1}%\n",
            elapsed.as_secs_f64(),
            share(*elapsed)
        );
    }
    text += &format!("  {:<width$}  {:>8.3} s\n", "total", total.as_secs_f64());
    if let Some(kib) = run.peak_rss_kib {
        text += &format!("  {:<width$}  {:>8} MiB\n", "peak RSS", kib / 1024);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_listed_with_their_share_and_the_rest_as_other() {
        let ms = Duration::from_millis;
        let phases = [("read and parse", ms(300)), ("detect", ms(100))];
        let run = Run {
            total: ms(500),
            threads: 2,
            peak_rss_kib: Some(415_000),
        };
        assert_eq!(
            render(&phases, &run),
            "tracelint: timings (wall clock, 2 threads)\n\
             \x20 read and parse     0.300 s   60.0%\n\
             \x20 detect             0.100 s   20.0%\n\
             \x20 other              0.100 s   20.0%\n\
             \x20 total              0.500 s\n\
             \x20 peak RSS             405 MiB\n"
        );
    }

    #[test]
    fn a_phase_entered_again_adds_up() {
        // The only test that touches the recorder: it is process-wide.
        enable();
        for _ in 0..3 {
            phase("test phase entered thrice", || {
                std::thread::sleep(Duration::from_millis(2))
            });
        }
        let phases = PHASES.lock().unwrap();
        let entries: Vec<_> = phases
            .iter()
            .filter(|(name, _)| *name == "test phase entered thrice")
            .collect();
        assert_eq!(entries.len(), 1);
        assert!(entries[0].1 >= Duration::from_millis(6));
    }
}
