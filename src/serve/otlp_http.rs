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
//!   being handled already (the client's exporter retries it).
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
}

#[derive(Clone)]
struct Receiver {
    guard: Arc<Guard>,
    permits: Arc<Semaphore>,
    limits: ReceiverLimits,
}

/// The routes, serving `guard`.
pub fn router(guard: Arc<Guard>, limits: ReceiverLimits) -> Router {
    let receiver = Receiver {
        guard,
        permits: Arc::new(Semaphore::new(limits.max_inflight.max(1))),
        limits,
    };
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
    let Ok(bytes) = to_bytes(body, max).await else {
        return too_large();
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
        .receive(&json, "otlp-http", 1)
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
