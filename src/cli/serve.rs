//! `tracelint serve`: the live guard as a server. An OTLP/HTTP receiver
//! (loopback by default), traces judged as their spans arrive, and the
//! guard's actions on a trip: verdicts to poll, a webhook, a command. Runs
//! until SIGINT or SIGTERM, then finishes every live trace (its findings
//! written to `--findings`) and exits 0.
//!
//! `LiveArgs` and `Live::start` are shared with `watch`, which embeds the
//! same receiver.

use anyhow::{bail, Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::detection::{Detection, DetectionArgs};
use super::exit;
use crate::ingest::IngestOptions;
use crate::pipeline::live::LiveLimits;
use crate::serve::guard::{Guard, GuardConfig};
use crate::serve::otlp_http::{router, ReceiverLimits};
use crate::serve::webhook::WebhookSender;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to receive OTLP/HTTP on (`POST /v1/traces`): HOST:PORT,
    /// where HOST is an address or a name (`localhost:4318`).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:4318")]
    pub listen: String,

    /// Allow an address other than loopback. The receiver has no
    /// authentication: put it behind one before exposing it.
    #[arg(long)]
    pub allow_remote: bool,

    #[command(flatten)]
    pub live: LiveArgs,
}

/// The live guard's bounds and actions, for `serve` and `watch`.
#[derive(Args, Debug)]
pub struct LiveArgs {
    /// Traces held at once; a new trace past it finishes (evicts) the
    /// least recently updated one.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = at_least_one())]
    pub max_traces: usize,

    /// Spans held per trace; later ones are refused (counted, and reported
    /// to the client as rejected).
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = at_least_one())]
    pub max_spans_per_trace: usize,

    /// Seconds without a new span after which a trace is finished and
    /// judged a last time.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub idle_timeout: f64,

    /// Milliseconds between two judgements of a changing trace.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub debounce_ms: u64,

    /// Largest request body in bytes, compressed or not (413 past it).
    #[arg(long, value_name = "BYTES", default_value_t = 20 << 20, value_parser = at_least_one())]
    pub max_request_bytes: usize,

    /// Requests handled at once; more are answered 429 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = at_least_one())]
    pub max_inflight: usize,

    /// Seconds a request's body may take to arrive (408 past it).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub request_timeout: f64,

    /// POST a trace's verdict as JSON to URL on its first trip.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,

    /// Sign webhook bodies with HMAC-SHA256 under this secret
    /// (`X-Tracelint-Signature-256`); also read from
    /// TRACELINT_WEBHOOK_SECRET.
    #[arg(long, value_name = "SECRET", hide_default_value = true)]
    pub webhook_secret: Option<String>,

    /// Run this shell command on a trace's first trip, with
    /// TRACELINT_TRACE_ID, TRACELINT_DETECTORS, TRACELINT_VERDICT=trip and
    /// TRACELINT_VERDICT_URL set.
    #[arg(long, value_name = "CMD")]
    pub on_trip: Option<String>,

    /// Append finished traces' findings to FILE as JSON Lines (the lines of
    /// `check --output-format jsonl`).
    #[arg(long, value_name = "FILE")]
    pub findings: Option<PathBuf>,

    /// Write finished traces' events to this Parquet store (the store
    /// `ingest` writes; complete when the receiver stops).
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,

    /// Characters of each text kept as its excerpt.
    #[arg(long, value_name = "N", default_value_t = IngestOptions::default().excerpt_chars)]
    pub excerpt_chars: usize,

    #[command(flatten)]
    pub detection: DetectionArgs,
}

/// A receiver running: its guard, its address, and how to stop it.
pub struct Live {
    pub guard: Arc<Guard>,
    pub address: SocketAddr,
    runtime: tokio::runtime::Runtime,
    stop: Arc<AtomicBool>,
    evaluator: std::thread::JoinHandle<()>,
    shutdown: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Live {
    /// Binds `listen`, starts the receiver and the evaluator.
    pub fn start(args: &LiveArgs, listen: SocketAddr) -> Result<Live> {
        let Detection {
            detectors,
            options,
            gate,
        } = args.detection.resolve(None, None, true)?;
        if !(args.idle_timeout.is_finite() && args.idle_timeout > 0.0) {
            bail!("--idle-timeout must be a positive number of seconds");
        }
        if !(args.request_timeout.is_finite() && args.request_timeout > 0.0) {
            bail!("--request-timeout must be a positive number of seconds");
        }
        if let Some(url) = &args.webhook {
            let parsed = reqwest::Url::parse(url)
                .with_context(|| format!("--webhook {url:?} is not a URL"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                bail!("--webhook {url:?}: an http or https URL is needed");
            }
        }
        // Outputs that cannot be written are refused now, not after the
        // first trace has finished.
        if let Some(path) = &args.findings {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot write findings to {}", path.display()))?;
        }
        if let Some(path) = &args.store {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => std::path::Path::new("."),
            };
            tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write the store {}", path.display()))?;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(listen))
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let base_url = format!("http://{address}");
        let webhook = match &args.webhook {
            Some(url) => {
                let secret = args
                    .webhook_secret
                    .clone()
                    .or_else(|| std::env::var("TRACELINT_WEBHOOK_SECRET").ok());
                Some((url.clone(), secret))
            }
            None => None,
        };
        let guard = Guard::new(GuardConfig {
            limits: LiveLimits {
                max_traces: args.max_traces,
                max_spans_per_trace: args.max_spans_per_trace,
                idle: Duration::from_secs_f64(args.idle_timeout),
            },
            debounce: Duration::from_millis(args.debounce_ms.max(1)),
            detectors,
            options,
            gate,
            ingest: IngestOptions {
                excerpt_chars: args.excerpt_chars,
                ..IngestOptions::default()
            },
            findings_file: args.findings.clone(),
            store: args.store.clone(),
            on_trip: args.on_trip.clone(),
            base_url,
        })?;
        if let Some((url, secret)) = webhook {
            let sender = WebhookSender::new(
                url,
                secret,
                runtime.handle().clone(),
                guard.metrics.webhook_failures.clone(),
            )?;
            guard.set_webhook(sender);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let evaluator = guard.spawn_evaluator(Arc::clone(&stop));
        let app = router(
            Arc::clone(&guard),
            ReceiverLimits {
                max_request_bytes: args.max_request_bytes,
                max_inflight: args.max_inflight,
                body_timeout: Duration::from_secs_f64(args.request_timeout),
            },
        );
        let (shutdown, mut stopped) = tokio::sync::watch::channel(false);
        let server = runtime.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await
        });
        Ok(Live {
            guard,
            address,
            runtime,
            stop,
            evaluator,
            shutdown,
            server,
        })
    }

    /// Stops receiving, finishes and judges every live trace (findings
    /// written), and waits for the webhook deliveries under way (bounded
    /// by their tries).
    pub fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        let served = self
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), self.server).await });
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.evaluator.join();
        let stored = self.guard.close_store();
        self.guard.wait_for_deliveries();
        self.runtime.shutdown_timeout(Duration::from_secs(1));
        stored?;
        match served {
            Ok(Ok(Ok(()))) | Err(_) => Ok(()),
            Ok(Ok(Err(error))) => Err(error).context("the receiver failed"),
            Ok(Err(error)) => Err(anyhow::anyhow!("the receiver failed: {error}")),
        }
    }
}

/// The address to listen on: `text` resolved (a name may give several; the
/// first is taken). Refused when it is not loopback (127.0.0.0/8, ::1),
/// unless `allow_remote`.
fn listen_address(text: &str, allow_remote: bool) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let addresses: Vec<SocketAddr> = text
        .to_socket_addrs()
        .with_context(|| format!("--listen {text:?}: not HOST:PORT, or the name does not resolve"))?
        .collect();
    let Some(first) = addresses.first().copied() else {
        bail!("--listen {text:?} resolves to no address");
    };
    if !allow_remote && !first.ip().is_loopback() {
        bail!(
            "--listen {text} is not a loopback address; the receiver has no authentication, \
             so pass --allow-remote to listen there anyway"
        );
    }
    Ok(first)
}

/// A count of 1 or more.
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
}

pub fn run(args: ServeArgs) -> Result<u8> {
    let listen = listen_address(&args.listen, args.allow_remote)?;
    let live = Live::start(&args.live, listen)?;
    eprintln!(
        "tracelint: receiving OTLP/HTTP on http://{}/v1/traces (verdicts at /v1/traces/<trace_id>/verdict, metrics at /metrics); Ctrl-C to stop",
        live.address
    );
    let (stop_sender, stop_receiver) = std::sync::mpsc::channel::<i32>();
    let first = AtomicBool::new(true);
    // The first signal stops the receiver cleanly; a second exits at once.
    crate::cleanup::on_interrupt_call(move |signal| {
        first.swap(false, Ordering::SeqCst) && stop_sender.send(signal).is_ok()
    });
    let _ = stop_receiver.recv();
    eprintln!("tracelint: stopping: judging the live traces");
    let guard = Arc::clone(&live.guard);
    live.stop()?;
    eprintln!("tracelint serve: {}", guard.metrics.summary());
    Ok(exit::CLEAN)
}
