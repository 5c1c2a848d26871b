//! The trip webhook: a trace's verdict POSTed as JSON to `--webhook URL`
//! on its first trip, signed when a secret is set, retried with a bound.
//!
//! The body is the verdict (`guard::TraceVerdict`) with `"event": "trip"`
//! and `"verdict_url"`. With a secret, `X-Tracelint-Signature-256:
//! sha256=<hex>` carries the HMAC-SHA256 of the body under it (the scheme
//! of GitHub's `X-Hub-Signature-256`), so a receiver can check that the
//! call came from its guard. A delivery is tried `ATTEMPTS` times, each
//! with a `TIMEOUT`, waiting 0.5 s, 1 s, ... between them; a delivery that
//! fails every time is printed and counted (`tracelint_webhook_failures`).
//! Deliveries run on the receiver's runtime and never hold the guard.

use hmac::{Hmac, KeyInit, Mac};
use prometheus_client::metrics::counter::Counter;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::guard::TraceVerdict;

/// Tries per delivery.
pub const ATTEMPTS: u32 = 4;
/// Time allowed to each try.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a delivery can take: every try and the waits between.
pub const LONGEST: Duration = Duration::from_millis(4 * 5_000 + 500 + 1_000 + 2_000);
/// The signature's header.
pub const SIGNATURE_HEADER: &str = "X-Tracelint-Signature-256";

/// Sends verdicts to one URL from the runtime it was made on.
#[derive(Clone)]
pub struct WebhookSender {
    url: String,
    secret: Option<Vec<u8>>,
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
    failures: Counter,
    /// Deliveries not ended yet (delivered or given up).
    pending: Arc<AtomicUsize>,
}

impl WebhookSender {
    pub fn new(
        url: String,
        secret: Option<String>,
        runtime: tokio::runtime::Handle,
        failures: Counter,
    ) -> anyhow::Result<WebhookSender> {
        let client = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        Ok(WebhookSender {
            url,
            secret: secret.map(String::into_bytes),
            client,
            runtime,
            failures,
            pending: Arc::default(),
        })
    }

    /// Posts `verdict` in the background.
    pub fn send(&self, verdict: &TraceVerdict, verdict_url: &str) {
        let mut body = match serde_json::to_value(verdict) {
            Ok(body) => body,
            Err(error) => {
                eprintln!("tracelint: webhook: cannot write the verdict: {error}");
                return;
            }
        };
        body["event"] = "trip".into();
        body["verdict_url"] = verdict_url.into();
        let body = body.to_string().into_bytes();
        let sender = self.clone();
        self.pending.fetch_add(1, Ordering::SeqCst);
        self.runtime.spawn(async move {
            let pending = Arc::clone(&sender.pending);
            sender.deliver(body).await;
            pending.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Deliveries under way.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// Waits, at most `limit`, for the deliveries under way to end: a
    /// trip found just before the receiver stops is still reported.
    pub fn wait_pending(&self, limit: Duration) {
        let deadline = std::time::Instant::now() + limit;
        while self.pending.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    async fn deliver(self, body: Vec<u8>) {
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 << (attempt - 1))).await;
            }
            let mut request = self
                .client
                .post(&self.url)
                .header("Content-Type", "application/json")
                .header(
                    "User-Agent",
                    concat!("tracelint/", env!("CARGO_PKG_VERSION")),
                );
            if let Some(secret) = &self.secret {
                request = request.header(SIGNATURE_HEADER, signature(secret, &body));
            }
            match request.body(body.clone()).send().await {
                Ok(response) if response.status().is_success() => return,
                Ok(response) => last_error = format!("answered {}", response.status()),
                Err(error) => last_error = error.to_string(),
            }
        }
        self.failures.inc();
        eprintln!(
            "tracelint: webhook {}: gave up after {ATTEMPTS} tries: {last_error}",
            self.url
        );
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    /// RFC 4231 test case 2.
    #[test]
    fn the_signature_is_hmac_sha256() {
        assert_eq!(
            super::signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
