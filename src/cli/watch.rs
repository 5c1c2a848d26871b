//! `tracelint watch -- CMD ARGS`: runs an agent program with its
//! OpenTelemetry exporter pointed at an embedded receiver, prints findings
//! as they appear, and stops the program when a trace trips.
//!
//! The program gets the OTLP/HTTP exporter's standard settings
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, `..._TRACES_ENDPOINT`, `..._PROTOCOL =
//! http/protobuf`, `OTEL_BSP_SCHEDULE_DELAY` = 100 ms so spans come while
//! the run goes on) and `TRACELINT_ENDPOINT` (the receiver, for an
//! in-process guard polling verdicts). It runs in a process group of its
//! own; on a trip the group gets SIGTERM, then SIGKILL after `--grace`
//! seconds. A signal to `watch` (Ctrl-C) is passed on to the group.
//!
//! `watch --follow FILE` reads a growing OTLP/JSON Lines export instead
//! (`serve::follow`), until a trip, an interrupt, or `--exit-when-idle`.
//!
//! Exit codes, those of `check`: 1 when a trace tripped (the program was
//! stopped) or a finished trace's findings fail the gate; 0 when the run
//! ended with nothing gating; 2 on an error, including a program that ended
//! with a failure of its own (its status is printed).

use anyhow::{bail, Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::exit;
use super::serve::{Live, LiveArgs};
use crate::detect::Finding;
use crate::inert;
use crate::serve::follow::Follower;
use crate::serve::guard::{Notice, TraceVerdict, Verdict};

#[derive(Args, Debug)]
pub struct WatchArgs {
    /// Read this growing OTLP/JSON Lines export (a Collector file
    /// exporter's output) instead of running a program.
    #[arg(long, value_name = "FILE")]
    pub follow: Option<PathBuf>,

    /// With --follow: stop once the file has not grown for this many
    /// seconds (by default, run until a trip or an interrupt).
    #[arg(long, value_name = "SECONDS", requires = "follow")]
    pub exit_when_idle: Option<f64>,

    /// Seconds between SIGTERM and SIGKILL when the program is stopped.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub grace: f64,

    #[command(flatten)]
    pub live: LiveArgs,

    /// The program to run and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

/// How often the loop looks at the program, the file and the notices.
const TICK: Duration = Duration::from_millis(25);

pub fn run(args: WatchArgs) -> Result<u8> {
    match (&args.follow, args.command.is_empty()) {
        (Some(_), false) => bail!("give either --follow FILE or a program after --, not both"),
        (None, true) => bail!(
            "give a program to run after -- (tracelint watch -- python agent.py), or --follow FILE"
        ),
        _ => {}
    }
    if !(args.grace.is_finite() && args.grace >= 0.0) {
        bail!("--grace must be a number of seconds, 0 or more");
    }
    let loopback: SocketAddr = "127.0.0.1:0".parse().expect("a socket address");
    let live = Live::start(&args.live, loopback)?;
    let notices = live.guard.subscribe();
    let interrupted = Arc::new(AtomicI32::new(0));
    let flag = Arc::clone(&interrupted);
    crate::cleanup::on_interrupt_call(move |signal| flag.store(signal, Ordering::Relaxed));
    let mut printer = Printer::default();
    let ended = match &args.follow {
        Some(path) => follow(
            path,
            args.exit_when_idle,
            &live,
            &notices,
            &interrupted,
            &mut printer,
        )?,
        None => supervise(&args, &live, &notices, &interrupted, &mut printer)?,
    };
    live.stop()?;
    printer.drain(&notices);
    let gating_at_end = printer.finished.iter().any(|v| v.verdict == Verdict::Trip);
    eprintln!("{}", printer.summary(&ended));
    Ok(match ended {
        Ended::Tripped(_) => exit::GATING_FINDINGS,
        _ if gating_at_end => exit::GATING_FINDINGS,
        Ended::Program(status) if !status.success() => exit::ERROR,
        _ => exit::CLEAN,
    })
}

/// How the watched run ended.
enum Ended {
    /// A trace tripped; the program (if any) was stopped.
    Tripped(Box<TraceVerdict>),
    /// The program ended by itself.
    Program(ExitStatus),
    /// The followed file stopped growing, or `watch` was interrupted.
    Stopped,
}

fn supervise(
    args: &WatchArgs,
    live: &Live,
    notices: &Receiver<Notice>,
    interrupted: &AtomicI32,
    printer: &mut Printer,
) -> Result<Ended> {
    let base = format!("http://{}", live.address);
    let mut child = Command::new(&args.command[0])
        .args(&args.command[1..])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &base)
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("{base}/v1/traces"),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("TRACELINT_ENDPOINT", &base)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run {}", args.command[0]))?;
    let grace = Duration::from_secs_f64(args.grace);
    loop {
        if let Some(tripped) = printer.take(notices) {
            eprintln!(
                "tracelint: trace {} tripped ({}): stopping {}",
                tripped.trace_id,
                tripped.tripped_by.join(", "),
                args.command[0]
            );
            stop_group(&mut child, grace)?;
            return Ok(Ended::Tripped(tripped));
        }
        if let Some(status) = child.try_wait()? {
            return Ok(Ended::Program(status));
        }
        let signal = interrupted.swap(0, Ordering::Relaxed);
        if signal != 0 {
            eprintln!("tracelint: interrupted: stopping {}", args.command[0]);
            let status = stop_group(&mut child, grace)?;
            return Ok(Ended::Program(status));
        }
        std::thread::sleep(TICK);
    }
}

/// SIGTERM to the child's process group, SIGKILL after `grace`; the
/// child's status.
fn stop_group(child: &mut Child, grace: Duration) -> Result<ExitStatus> {
    let group = child.id() as libc::pid_t;
    // SAFETY: kill(2) with a negative pid signals that process group; it
    // touches no memory of ours.
    unsafe { libc::kill(-group, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    loop {
        if let Some(status) = child.try_wait()? {
            // The group may outlive its leader: what it started goes too.
            unsafe { libc::kill(-group, libc::SIGKILL) };
            return Ok(status);
        }
        if Instant::now() >= deadline {
            unsafe { libc::kill(-group, libc::SIGKILL) };
            return Ok(child.wait()?);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn follow(
    path: &std::path::Path,
    exit_when_idle: Option<f64>,
    live: &Live,
    notices: &Receiver<Notice>,
    interrupted: &AtomicI32,
    printer: &mut Printer,
) -> Result<Ended> {
    let mut follower = Follower::new(path);
    let idle_limit = exit_when_idle.map(Duration::from_secs_f64);
    let mut last_growth = Instant::now();
    loop {
        if follower.poll(&live.guard)? {
            last_growth = Instant::now();
        }
        if let Some(tripped) = printer.take(notices) {
            eprintln!(
                "tracelint: trace {} tripped ({})",
                tripped.trace_id,
                tripped.tripped_by.join(", ")
            );
            return Ok(Ended::Tripped(tripped));
        }
        if interrupted.swap(0, Ordering::Relaxed) != 0
            || idle_limit.is_some_and(|limit| last_growth.elapsed() >= limit)
        {
            return Ok(Ended::Stopped);
        }
        std::thread::sleep(TICK);
    }
}

/// Prints findings as they come, on stdout, one line each.
#[derive(Default)]
struct Printer {
    findings: usize,
    finished: Vec<TraceVerdict>,
}

impl Printer {
    /// Prints what came; the first trip, if one came.
    fn take(&mut self, notices: &Receiver<Notice>) -> Option<Box<TraceVerdict>> {
        let mut tripped = None;
        while let Ok(notice) = notices.try_recv() {
            match notice {
                Notice::Finding(finding, gating) => self.print(&finding, gating),
                Notice::Trip(verdict) => {
                    tripped.get_or_insert(verdict);
                }
                Notice::Finished(verdict) => self.finished.push(*verdict),
            }
        }
        tripped
    }

    fn drain(&mut self, notices: &Receiver<Notice>) {
        self.take(notices);
    }

    fn print(&mut self, finding: &Finding, gating: bool) {
        self.findings += 1;
        let mode = finding
            .mast_mode
            .as_deref()
            .or(finding.checklist.as_deref())
            .map(|m| format!(" [{m}]"))
            .unwrap_or_default();
        let line = format!(
            "{}{} {}{mode} trace {}: {}\n",
            finding.severity.as_str(),
            if gating { " (trips)" } else { "" },
            finding.detector,
            finding.trace_id,
            finding.message
        );
        let _ = super::print_out(&inert::for_terminal(&line));
    }

    fn summary(&self, ended: &Ended) -> String {
        let traces = self.finished.len();
        let how = match ended {
            Ended::Tripped(v) => format!(
                "tripped on trace {} by {}",
                v.trace_id,
                v.tripped_by.join(", ")
            ),
            Ended::Program(status) => format!("the program ended ({status})"),
            Ended::Stopped => "stopped".to_string(),
        };
        format!(
            "tracelint watch: {traces} trace{}, {} finding{}; {how}",
            if traces == 1 { "" } else { "s" },
            self.findings,
            if self.findings == 1 { "" } else { "s" },
        )
    }
}
