//! The OTLP/HTTP receiver (OTLP specification 1.x, "OTLP/HTTP"): `POST
//! /v1/traces` with an `ExportTraceServiceRequest` as binary protobuf
//! (`application/x-protobuf`) or protobuf JSON (`application/json`),
//! either optionally `Content-Encoding: gzip`. Answers as the
//! specification says:
//!
//! - 200 with an `ExportTraceServiceResponse`, in the request's encoding;
//!   `partial_success` (`rejected_spans`, `error_message`) when some spans
//!   were refused (unreadable, or past the per-trace cap);
//! - 400 for a body that does not decode (a `google.rpc.Status`, in the
//!   request's encoding), 413 for one larger than `max_request_bytes`
//!   (before or after decompression), 415 for another content type or
//!   encoding, 429 with `Retry-After` when `max_inflight` requests are
//!   being handled already (the client's exporter retries it), 408 for a
//!   body that does not arrive within `body_timeout` (a stalled client
//!   does not hold its slot).
//!
//! Beside it: `GET /v1/traces/{trace_id}/verdict` (the guard's verdict,
//! 404 for a trace it does not know) and `GET /metrics`.
//!
//! A protobuf body is decoded with the `opentelemetry-proto` types and
//! written as OTLP/JSON with the crate's serde mapping, the path the
//! `otlp_proto` file format takes: the span mapping is the one `check`
//! uses on files.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::io::Read;
use std::sync::Arc;
use tokio::sync::Semaphore;

use super::guard::Guard;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";
/// Seconds a client is told to wait when the receiver is full.
const RETRY_AFTER_SECONDS: u32 = 1;

/// The receiver's bounds.
#[derive(Clone, Copy, Debug)]
pub struct ReceiverLimits {
    /// Largest request body, compressed or not (413 past it).
    pub max_request_bytes: usize,
    /// Requests decoded at once; more are answered 429.
    pub max_inflight: usize,
    /// Time allowed to a request's body to arrive (408 past it).
    pub body_timeout: std::time::Duration,
}

#[derive(Clone)]
struct Receiver {
    guard: Arc<Guard>,
    permits: Arc<Semaphore>,
    limits: ReceiverLimits,
}

/// The routes, serving `guard`.
pub fn router(guard: Arc<Guard>, limits: ReceiverLimits) -> Router {
    routes(Receiver {
        guard,
        permits: Arc::new(Semaphore::new(limits.max_inflight.max(1))),
        limits,
    })
}

fn routes(receiver: Receiver) -> Router {
    Router::new()
        .route("/v1/traces", post(export))
        .route("/v1/traces/{trace_id}/verdict", get(verdict))
        .route("/metrics", get(metrics))
        .with_state(receiver)
}

/// How a request was encoded, to answer in kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

/// `google.rpc.Status`, the body of an OTLP error response.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// gRPC codes for the status body.
const INVALID_ARGUMENT: i32 = 3;
const DEADLINE_EXCEEDED: i32 = 4;
const RESOURCE_EXHAUSTED: i32 = 8;
const UNIMPLEMENTED: i32 = 12;
const INTERNAL: i32 = 13;

async fn export(State(receiver): State<Receiver>, headers: HeaderMap, body: Body) -> Response {
    let (status, response) = handle_export(&receiver, &headers, body).await;
    receiver.guard.metrics.request(status.as_u16());
    response
}

async fn handle_export(
    receiver: &Receiver,
    headers: &HeaderMap,
    body: Body,
) -> (StatusCode, Response) {
    let header_text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let content_type = header_text(header::CONTENT_TYPE);
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    let encoding = match media_type {
        PROTOBUF => Encoding::Protobuf,
        JSON => Encoding::Json,
        _ => {
            let message = format!(
                "Content-Type {content_type:?} is not OTLP/HTTP: send {PROTOBUF} or {JSON}"
            );
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Encoding::Json,
                UNIMPLEMENTED,
                message,
            );
        }
    };
    let compression = header_text(header::CONTENT_ENCODING);
    if !matches!(compression.as_str(), "" | "identity" | "gzip") {
        let message =
            format!("Content-Encoding {compression:?} is not supported: send gzip or none");
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            encoding,
            UNIMPLEMENTED,
            message,
        );
    }
    let Ok(permit) = receiver.permits.clone().try_acquire_owned() else {
        let (status, mut response) = error(
            StatusCode::TOO_MANY_REQUESTS,
            encoding,
            RESOURCE_EXHAUSTED,
            "the receiver is busy; retry later".to_string(),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        return (status, response);
    };
    let max = receiver.limits.max_request_bytes;
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            encoding,
            RESOURCE_EXHAUSTED,
            format!("the request is larger than {max} bytes"),
        )
    };
    let declared = header_text(header::CONTENT_LENGTH).parse::<usize>().ok();
    if declared.is_some_and(|length| length > max) {
        return too_large();
    }
    let bytes = match tokio::time::timeout(receiver.limits.body_timeout, to_bytes(body, max)).await
    {
        Err(_) => {
            let message = format!(
                "the body did not arrive within {} s",
                receiver.limits.body_timeout.as_secs_f64()
            );
            return error(
                StatusCode::REQUEST_TIMEOUT,
                encoding,
                DEADLINE_EXCEEDED,
                message,
            );
        }
        Ok(Err(_)) => return too_large(),
        Ok(Ok(bytes)) => bytes,
    };
    let guard = Arc::clone(&receiver.guard);
    let gzip = compression == "gzip";
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        decode_and_receive(&guard, bytes, gzip, encoding, max)
    })
    .await;
    match outcome {
        Ok(Ok(received)) => (StatusCode::OK, success(encoding, received)),
        Ok(Err(Refused::TooLarge)) => too_large(),
        Ok(Err(Refused::Malformed(message))) => {
            error(StatusCode::BAD_REQUEST, encoding, INVALID_ARGUMENT, message)
        }
        Ok(Err(Refused::Failed(message))) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            encoding,
            INTERNAL,
            message,
        ),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            encoding,
            INTERNAL,
            "the request could not be handled".to_string(),
        ),
    }
}

enum Refused {
    TooLarge,
    Malformed(String),
    /// The guard could not take the spans (an internal error).
    Failed(String),
}

/// Decompresses and decodes a body and hands its spans to the guard.
fn decode_and_receive(
    guard: &Guard,
    bytes: Bytes,
    gzip: bool,
    encoding: Encoding,
    max: usize,
) -> Result<super::guard::Received, Refused> {
    let bytes: Vec<u8> = if gzip {
        let mut out = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(&bytes[..]).take(max as u64 + 1);
        decoder
            .read_to_end(&mut out)
            .map_err(|e| Refused::Malformed(format!("the gzip body does not decompress: {e}")))?;
        if out.len() > max {
            return Err(Refused::TooLarge);
        }
        out
    } else {
        bytes.to_vec()
    };
    let json = match encoding {
        Encoding::Protobuf => {
            let request = ExportTraceServiceRequest::decode(&bytes[..]).map_err(|e| {
                Refused::Malformed(format!("not an ExportTraceServiceRequest: {e}"))
            })?;
            if request.resource_spans.is_empty() {
                return Ok(Default::default());
            }
            serde_json::to_vec(&request).map_err(|e| Refused::Failed(e.to_string()))?
        }
        Encoding::Json => {
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| Refused::Malformed(format!("not JSON: {e}")))?;
            let Some(object) = value.as_object() else {
                return Err(Refused::Malformed(
                    "not an ExportTraceServiceRequest: the body is not a JSON object".into(),
                ));
            };
            match object
                .get("resourceSpans")
                .or_else(|| object.get("resource_spans"))
            {
                None if object.is_empty() => return Ok(Default::default()),
                Some(serde_json::Value::Array(spans)) if spans.is_empty() => {
                    return Ok(Default::default())
                }
                Some(serde_json::Value::Array(_)) => bytes,
                _ => {
                    return Err(Refused::Malformed(
                        "not an ExportTraceServiceRequest: no resourceSpans array".into(),
                    ))
                }
            }
        }
    };
    guard
        .receive(&json, "otlp-http", None)
        .map_err(|e| Refused::Failed(format!("{e:#}")))
}

fn success(encoding: Encoding, received: super::guard::Received) -> Response {
    let partial_success = (received.rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: received.rejected as i64,
        error_message: received.message.unwrap_or_default(),
    });
    let response = ExportTraceServiceResponse { partial_success };
    match encoding {
        Encoding::Protobuf => {
            ([(header::CONTENT_TYPE, PROTOBUF)], response.encode_to_vec()).into_response()
        }
        Encoding::Json => {
            // The protobuf JSON mapping: int64 as a string.
            let body = match &response.partial_success {
                Some(p) => serde_json::json!({"partialSuccess": {
                    "rejectedSpans": p.rejected_spans.to_string(),
                    "errorMessage": p.error_message,
                }}),
                None => serde_json::json!({}),
            };
            ([(header::CONTENT_TYPE, JSON)], body.to_string()).into_response()
        }
    }
}

fn error(
    status: StatusCode,
    encoding: Encoding,
    code: i32,
    message: String,
) -> (StatusCode, Response) {
    let response = match encoding {
        Encoding::Protobuf => (
            status,
            [(header::CONTENT_TYPE, PROTOBUF)],
            RpcStatus { code, message }.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            status,
            [(header::CONTENT_TYPE, JSON)],
            serde_json::json!({"code": code, "message": message}).to_string(),
        )
            .into_response(),
    };
    (status, response)
}

async fn verdict(State(receiver): State<Receiver>, Path(trace_id): Path<String>) -> Response {
    let trace_id = trace_id.to_ascii_lowercase();
    if trace_id.len() != 32 || !trace_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, JSON)],
            serde_json::json!({"message": "a trace id is 32 hexadecimal digits"}).to_string(),
        )
            .into_response();
    }
    match receiver.guard.verdict(&trace_id) {
        Some(verdict) => (
            [(header::CONTENT_TYPE, JSON)],
            serde_json::to_string(&verdict).unwrap_or_default(),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, JSON)],
            serde_json::json!({"trace_id": trace_id, "verdict": "unknown"}).to_string(),
        )
            .into_response(),
    }
}

async fn metrics(State(receiver): State<Receiver>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        receiver.guard.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    //! Conformance with OTLP/HTTP's answers, on a real socket on loopback.
    use super::*;
    use crate::pipeline::live::LiveLimits;
    use crate::serve::guard::GuardConfig;
    use std::io::Write;
    use std::time::Duration;

    const TRACE: &str = "5b8efff798038103d269b633813fc60c";

    fn guard() -> Arc<Guard> {
        Guard::new(GuardConfig::new(LiveLimits {
            max_traces: 100,
            max_spans_per_trace: 2,
            idle: Duration::from_secs(60),
        }))
        .unwrap()
    }

    /// A request of `spans` spans of one trace, the first with `traceId`
    /// left out when `one_broken`.
    fn request_json(spans: usize, one_broken: bool) -> String {
        let spans: Vec<serde_json::Value> = (0..spans)
            .map(|i| {
                let mut span = serde_json::json!({
                    "traceId": TRACE,
                    "spanId": format!("{:016x}", i + 1),
                    "name": "chat gpt-4o",
                    "startTimeUnixNano": (1_700_000_000_000_000_000u64 + i as u64).to_string(),
                    "endTimeUnixNano": (1_700_000_000_100_000_000u64 + i as u64).to_string(),
                    "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}]
                });
                if one_broken && i == 0 {
                    span.as_object_mut().unwrap().remove("traceId");
                }
                span
            })
            .collect();
        serde_json::json!({"resourceSpans": [{"resource": {"attributes": []},
            "scopeSpans": [{"scope": {"name": "test"}, "spans": spans}]}]})
        .to_string()
    }

    fn request_protobuf(spans: usize) -> Vec<u8> {
        let request: ExportTraceServiceRequest =
            serde_json::from_str(&request_json(spans, false)).unwrap();
        request.encode_to_vec()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// Runs `test` against a receiver on 127.0.0.1 with these bounds and
    /// semaphore.
    fn with_receiver<F, Fut>(max_request_bytes: usize, permits: Arc<Semaphore>, test: F)
    where
        F: FnOnce(String, Arc<Guard>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            assert!(address.ip().is_loopback());
            let guard = guard();
            let app = routes(Receiver {
                guard: Arc::clone(&guard),
                permits,
                limits: ReceiverLimits {
                    max_request_bytes,
                    max_inflight: 1,
                    body_timeout: Duration::from_millis(300),
                },
            });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            test(format!("http://{address}"), guard).await;
        });
    }

    async fn post(
        base: &str,
        content_type: &str,
        encoding: Option<&str>,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let mut request = reqwest::Client::new()
            .post(format!("{base}/v1/traces"))
            .header("Content-Type", content_type)
            .body(body);
        if let Some(encoding) = encoding {
            request = request.header("Content-Encoding", encoding);
        }
        request.send().await.unwrap()
    }

    fn permits() -> Arc<Semaphore> {
        Arc::new(Semaphore::new(1))
    }

    #[test]
    fn valid_trace_posts_protobuf_json_and_gzip() {
        with_receiver(1 << 20, permits(), |base, guard| async move {
            let response = post(&base, PROTOBUF, None, request_protobuf(1)).await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], PROTOBUF);
            let body = response.bytes().await.unwrap();
            let decoded = ExportTraceServiceResponse::decode(&body[..]).unwrap();
            assert_eq!(decoded.partial_success, None);

            let response = post(
                &base,
                "application/json; charset=utf-8",
                None,
                request_json(1, false).into_bytes(),
            )
            .await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.text().await.unwrap(), "{}");

            let response = post(&base, PROTOBUF, Some("gzip"), gzip(&request_protobuf(1))).await;
            assert_eq!(response.status(), 200);
            // The same span each time so far: held once (a retry's copy is
            // not counted against the cap). Three spans now: the first is
            // that one again, the second fills the cap of 2 spans per
            // trace, the third is refused.
            let response = post(
                &base,
                JSON,
                Some("gzip"),
                gzip(request_json(3, false).as_bytes()),
            )
            .await;
            assert_eq!(response.status(), 200);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["partialSuccess"]["rejectedSpans"], "1");
            assert!(guard.live_traces() == 1);
            let metrics = guard.metrics.render();
            assert!(
                metrics.contains("tracelint_requests_total{code=\"200\"} 4"),
                "{metrics}"
            );
            assert!(
                metrics.contains("tracelint_spans_duplicate_total 3"),
                "{metrics}"
            );
            assert!(
                metrics.contains("tracelint_spans_accepted_total 2"),
                "{metrics}"
            );
        });
    }

    #[test]
    fn a_span_that_cannot_be_read_is_a_partial_success() {
        with_receiver(1 << 20, permits(), |base, guard| async move {
            let response = post(&base, JSON, None, request_json(2, true).into_bytes()).await;
            assert_eq!(response.status(), 200);
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["partialSuccess"]["rejectedSpans"], "1", "{body}");
            assert!(
                body["partialSuccess"]["errorMessage"]
                    .as_str()
                    .unwrap()
                    .contains("trace"),
                "{body}"
            );
            guard.evaluate(std::time::Instant::now()).unwrap();
            assert_eq!(guard.verdict(TRACE).unwrap().spans, 1);
        });
    }

    #[test]
    fn malformed_bodies_are_400_in_the_request_encoding() {
        with_receiver(1 << 20, permits(), |base, _| async move {
            let response = post(&base, PROTOBUF, None, b"\xff\xff\xff".to_vec()).await;
            assert_eq!(response.status(), 400);
            let status = RpcStatus::decode(&response.bytes().await.unwrap()[..]).unwrap();
            assert_eq!(status.code, INVALID_ARGUMENT);
            assert!(
                status.message.contains("ExportTraceServiceRequest"),
                "{}",
                status.message
            );

            for body in [
                "{not json",
                "[1, 2]",
                "{\"resourceSpans\": 3}",
                "{\"spans\": []}",
            ] {
                let response = post(&base, JSON, None, body.as_bytes().to_vec()).await;
                assert_eq!(response.status(), 400, "{body}");
                let status: serde_json::Value = response.json().await.unwrap();
                assert_eq!(status["code"], INVALID_ARGUMENT, "{body}");
            }
            let response = post(&base, JSON, Some("gzip"), b"not gzip".to_vec()).await;
            assert_eq!(response.status(), 400);
            // An empty request is a valid one.
            let response = post(&base, JSON, None, b"{}".to_vec()).await;
            assert_eq!(response.status(), 200);
        });
    }

    #[test]
    fn oversize_is_413_before_and_after_decompression() {
        with_receiver(2_000, permits(), |base, _| async move {
            let big = request_json(40, false);
            assert!(big.len() > 2_000);
            let response = post(&base, JSON, None, big.clone().into_bytes()).await;
            assert_eq!(response.status(), 413);
            let compressed = gzip(big.as_bytes());
            assert!(compressed.len() < 2_000, "{}", compressed.len());
            let response = post(&base, JSON, Some("gzip"), compressed).await;
            assert_eq!(response.status(), 413);
        });
    }

    #[test]
    fn other_content_types_and_encodings_are_415() {
        with_receiver(1 << 20, permits(), |base, _| async move {
            let response = post(&base, "text/plain", None, b"x".to_vec()).await;
            assert_eq!(response.status(), 415);
            let response = post(&base, JSON, Some("br"), b"{}".to_vec()).await;
            assert_eq!(response.status(), 415);
        });
    }

    #[test]
    fn a_full_receiver_is_429_with_retry_after() {
        let permits = permits();
        let held = Arc::clone(&permits).try_acquire_owned().unwrap();
        with_receiver(1 << 20, permits, |base, guard| async move {
            let response = post(&base, PROTOBUF, None, request_protobuf(1)).await;
            assert_eq!(response.status(), 429);
            assert_eq!(response.headers()["retry-after"], "1");
            drop(held);
            let response = post(&base, PROTOBUF, None, request_protobuf(1)).await;
            assert_eq!(response.status(), 200);
            let metrics = guard.metrics.render();
            assert!(
                metrics.contains("tracelint_requests_total{code=\"429\"} 1"),
                "{metrics}"
            );
        });
    }

    #[test]
    fn a_body_that_stalls_is_408_and_frees_its_slot() {
        with_receiver(1 << 20, permits(), |base, _| async move {
            let address = base.trim_start_matches("http://").to_string();
            let mut stalled = tokio::net::TcpStream::connect(&address).await.unwrap();
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stalled
                .write_all(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                .await
                .unwrap();
            let mut answer = vec![0; 64];
            let read = stalled.read(&mut answer).await.unwrap();
            assert!(String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 408"));
            // The slot is free again.
            let response = post(&base, PROTOBUF, None, request_protobuf(1)).await;
            assert_eq!(response.status(), 200);
        });
    }

    #[test]
    fn verdicts_and_metrics_are_served() {
        with_receiver(1 << 20, permits(), |base, guard| async move {
            let unknown = reqwest::get(format!("{base}/v1/traces/{TRACE}/verdict"))
                .await
                .unwrap();
            assert_eq!(unknown.status(), 404);
            let malformed = reqwest::get(format!("{base}/v1/traces/not-an-id/verdict"))
                .await
                .unwrap();
            assert_eq!(malformed.status(), 400);
            post(&base, JSON, None, request_json(1, false).into_bytes()).await;
            guard.evaluate(std::time::Instant::now()).unwrap();
            let verdict: serde_json::Value =
                reqwest::get(format!("{base}/v1/traces/{}/verdict", TRACE.to_uppercase()))
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
            assert_eq!(verdict["trace_id"], TRACE);
            assert_eq!(verdict["state"], "live");
            assert_eq!(verdict["spans"], 1);
            let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap();
            assert!(metrics.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text"));
            let text = metrics.text().await.unwrap();
            assert!(text.contains("tracelint_spans_accepted_total 1"), "{text}");
            assert!(text.ends_with("# EOF\n"), "{text}");
        });
    }
}
