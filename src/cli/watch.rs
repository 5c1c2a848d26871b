//! `tracelint watch -- CMD ARGS`: runs an agent program with its
//! OpenTelemetry exporter pointed at an embedded receiver, prints findings
//! as they appear, and stops the program when a trace trips.
//!
//! The program gets the OTLP/HTTP exporter's standard settings
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, `..._TRACES_ENDPOINT`, `..._PROTOCOL` and
//! `..._TRACES_PROTOCOL` = `http/protobuf`, `OTEL_BSP_SCHEDULE_DELAY` = 100
//! ms so spans come while the run goes on) and `TRACELINT_ENDPOINT` (the
//! receiver, for an in-process guard polling verdicts). It runs in a
//! process group of its own, so that what it starts is stopped with it; on
//! a trip the group gets SIGTERM, then SIGKILL after `--grace` seconds. A
//! signal to `watch` (Ctrl-C) is passed on to the group as it is, with the
//! same grace; a second one kills the group and exits at once. A program
//! that reads the terminal needs `--foreground` (as coreutils' `timeout`
//! does): it then stays in `watch`'s group, gets the terminal's signals
//! itself, and only it, not what it started, is stopped on a trip.
//!
//! `watch --follow FILE` reads a growing OTLP/JSON Lines export instead
//! (`serve::follow`), until a trip, an interrupt, or `--exit-when-idle`.
//!
//! Exit codes, those of `check`: 1 when a trace tripped (the program was
//! stopped) or a finished trace's findings fail the gate; 0 when the run
//! ended with nothing gating; 2 on an error, including a program that ended
//! with a failure of its own (its status is printed); 128 + the signal when
//! interrupted (the traces received are finished and judged first).

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

    /// Keep the program in watch's process group, so that it can read the
    /// terminal and gets Ctrl-C itself; on a trip only the program, not
    /// what it started, is stopped.
    #[arg(long, conflicts_with = "follow")]
    pub foreground: bool,

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
    let interrupts = Arc::new(Interrupts::default());
    let handler = Arc::clone(&interrupts);
    let foreground = args.foreground;
    crate::cleanup::on_interrupt_call(move |signal| handler.take(signal, foreground));
    let mut printer = Printer::default();
    let ended = match &args.follow {
        Some(path) => follow(
            path,
            args.exit_when_idle,
            &live,
            &notices,
            &interrupts,
            &mut printer,
        )?,
        None => supervise(&args, &live, &notices, &interrupts, &mut printer)?,
    };
    live.stop()?;
    printer.drain(&notices);
    let gating_at_end = printer.finished.iter().any(|v| v.verdict == Verdict::Trip);
    eprintln!("{}", printer.summary(&ended, gating_at_end));
    Ok(match ended {
        Ended::Interrupted(signal, _) => 128 + signal as u8,
        Ended::Tripped(..) => exit::GATING_FINDINGS,
        _ if gating_at_end => exit::GATING_FINDINGS,
        Ended::Program(status) if !status.success() => exit::ERROR,
        _ => exit::CLEAN,
    })
}

/// Signals to `watch`, and the program's group (or, with `--foreground`,
/// the program) to pass them on to.
#[derive(Default)]
struct Interrupts {
    /// The first signal received, 0 before.
    first: AtomicI32,
    /// The process group (or process) of the program, 0 before it runs.
    target: AtomicI32,
}

impl Interrupts {
    /// The signal handler: the first signal is passed on and the program
    /// given its grace; a second kills it and lets `watch` exit. Under
    /// `--foreground` the terminal's Ctrl-C reached the program already.
    fn take(&self, signal: i32, foreground: bool) -> bool {
        let target = self.target.load(Ordering::SeqCst);
        if self
            .first
            .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            if target != 0 && !(foreground && signal == libc::SIGINT) {
                send(target, foreground, signal);
            }
            return true;
        }
        if target != 0 {
            send(target, foreground, libc::SIGKILL);
        }
        false
    }

    fn signal(&self) -> Option<i32> {
        Some(self.first.load(Ordering::SeqCst)).filter(|s| *s != 0)
    }
}

/// `signal` to the program's group, or to the program alone.
fn send(target: i32, foreground: bool, signal: i32) {
    let pid = if foreground { target } else { -target };
    // SAFETY: kill(2) touches no memory of ours.
    unsafe { libc::kill(pid, signal) };
}

/// How the watched run ended.
enum Ended {
    /// A trace tripped; the program (if any) was stopped: whether it had
    /// to be killed after its grace.
    Tripped(Box<TraceVerdict>, bool),
    /// The program ended by itself.
    Program(ExitStatus),
    /// `watch` got this signal; the program (if any) ended with it.
    Interrupted(i32, Option<ExitStatus>),
    /// The followed file stopped growing.
    Stopped,
}

fn supervise(
    args: &WatchArgs,
    live: &Live,
    notices: &Receiver<Notice>,
    interrupts: &Interrupts,
    printer: &mut Printer,
) -> Result<Ended> {
    let base = format!("http://{}", live.address);
    let mut command = Command::new(&args.command[0]);
    command
        .args(&args.command[1..])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &base)
        .env(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            format!("{base}/v1/traces"),
        )
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("TRACELINT_ENDPOINT", &base);
    if !args.foreground {
        command.process_group(0);
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot run {}", args.command[0]))?;
    let target = Target {
        id: child.id() as i32,
        foreground: args.foreground,
    };
    interrupts.target.store(target.id, Ordering::SeqCst);
    let grace = Duration::from_secs_f64(args.grace);
    let program = inert::for_line(&args.command[0]).into_owned();
    loop {
        if let Some(tripped) = printer.take(notices) {
            eprintln!(
                "tracelint: trace {} tripped ({}): stopping {program}",
                inert::for_line(&tripped.trace_id),
                tripped.tripped_by.join(", "),
            );
            let (_, killed) = target.stop(&mut child, Some(libc::SIGTERM), grace)?;
            return Ok(Ended::Tripped(tripped, killed));
        }
        if let Some(signal) = interrupts.signal() {
            eprintln!("tracelint: interrupted: stopping {program}");
            // The handler passed the signal on already.
            let (status, _) = target.stop(&mut child, None, grace)?;
            return Ok(Ended::Interrupted(signal, Some(status)));
        }
        if let Some(status) = child.try_wait()? {
            return Ok(Ended::Program(status));
        }
        std::thread::sleep(TICK);
    }
}

/// The program to stop: its process group, or itself under `--foreground`.
struct Target {
    id: i32,
    foreground: bool,
}

impl Target {
    /// Sends `signal` (when given), waits `grace` for the program to end,
    /// then SIGKILL; its status, and whether it had to be killed. What the
    /// group still holds once the program ended is killed too.
    fn stop(
        &self,
        child: &mut Child,
        signal: Option<i32>,
        grace: Duration,
    ) -> Result<(ExitStatus, bool)> {
        if let Some(signal) = signal {
            send(self.id, self.foreground, signal);
        }
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait()? {
                if !self.foreground {
                    send(self.id, false, libc::SIGKILL);
                }
                return Ok((status, false));
            }
            if Instant::now() >= deadline {
                send(self.id, self.foreground, libc::SIGKILL);
                return Ok((child.wait()?, true));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn follow(
    path: &std::path::Path,
    exit_when_idle: Option<f64>,
    live: &Live,
    notices: &Receiver<Notice>,
    interrupts: &Interrupts,
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
                inert::for_line(&tripped.trace_id),
                tripped.tripped_by.join(", ")
            );
            return Ok(Ended::Tripped(tripped, false));
        }
        if let Some(signal) = interrupts.signal() {
            return Ok(Ended::Interrupted(signal, None));
        }
        if idle_limit.is_some_and(|limit| last_growth.elapsed() >= limit) {
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
        // Trace text is untrusted: one finding stays one line.
        let line = format!(
            "{}{} {}{mode} trace {}: {}\n",
            finding.severity.as_str(),
            if gating { " (trips)" } else { "" },
            finding.detector,
            inert::for_line(&finding.trace_id),
            inert::for_line(&finding.message)
        );
        let _ = super::print_out(&line);
    }

    fn summary(&self, ended: &Ended, gating_at_end: bool) -> String {
        let traces = self.finished.len();
        let mut how = match ended {
            Ended::Tripped(v, killed) => format!(
                "tripped on trace {} by {}{}",
                inert::for_line(&v.trace_id),
                v.tripped_by.join(", "),
                if *killed {
                    "; the program was killed after its grace period"
                } else {
                    ""
                }
            ),
            Ended::Program(status) => format!("the program ended ({status})"),
            Ended::Interrupted(signal, status) => format!(
                "interrupted by signal {signal}{}",
                status
                    .map(|s| format!("; the program ended ({s})"))
                    .unwrap_or_default()
            ),
            Ended::Stopped => "stopped: the file stopped growing".to_string(),
        };
        if gating_at_end && !matches!(ended, Ended::Tripped(..)) {
            how.push_str("; findings of finished traces fail the gate");
        }
        format!(
            "tracelint watch: {traces} trace{}, {} finding{}; {how}",
            if traces == 1 { "" } else { "s" },
            self.findings,
            if self.findings == 1 { "" } else { "s" },
        )
    }
}
