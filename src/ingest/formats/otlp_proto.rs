//! OTLP protobuf files: a raw `TracesData` / `ExportTraceServiceRequest`
//! (or its logs and metrics counterparts) as the SDK encoders write it
//! (`.pb`, `.binpb`; opentelemetry-proto's `collector/*/v1` messages), and
//! the OpenTelemetry Collector file exporter's length-framed output
//! (opentelemetry-collector-contrib exporter/fileexporter, file_writer.go
//! `exportMessageAsBuffer`: each message preceded by its length as a 4-byte
//! big-endian unsigned integer), used for `format: proto`, and for
//! `format: json` or `proto` with `compression: zstd`, where each message
//! is its own zstd frame and the length is the compressed one
//! (marshaller.go, codec.go). A JSON message inside a frame is read as
//! OTLP/JSON.
//!
//! The types are the `opentelemetry-proto` crate's, decoded with prost and
//! written back as OTLP/JSON (hex ids) through the crate's serde mapping,
//! so that one reader (`otlp_json`) gives every OTLP container the same
//! facts. Messages are numbered from 1: a diagnostic's "line" in such a
//! file is the message's number.

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;
use serde_json::Value;
use std::io::Read;

use super::otlp_json::{OtlpJson, IGNORED_METRICS};
use crate::ingest::format::{BinaryMessages, Format};
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};

pub struct OtlpProto;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Format for OtlpProto {
    fn name(&self) -> &'static str {
        "otlp_proto"
    }

    fn describe(&self) -> &'static str {
        "OTLP protobuf (a raw TracesData/Export*ServiceRequest, or the Collector file exporter's length-framed proto or zstd output; messages numbered as lines)"
    }

    /// Never a JSON record.
    fn sniff(&self, _record: &Value) -> bool {
        false
    }

    fn is_binary(&self) -> bool {
        true
    }

    fn sniff_binary(&self, head: &[u8]) -> bool {
        is_framed(head) || is_raw_message(head)
    }

    /// A framed file's messages; a raw file is one message, whatever it
    /// holds (an undecodable one is reported as such, not read as text).
    fn binary_messages(&self, bytes: &[u8], _name: &str, max_bytes: usize) -> BinaryMessages {
        Ok(if is_framed(bytes) {
            framed_messages(bytes, max_bytes)
        } else {
            vec![Ok(bytes.to_vec())]
        })
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        if record.first() == Some(&b'{') {
            return OtlpJson.parse(record, ctx, out);
        }
        if let Ok(traces) = ExportTraceServiceRequest::decode(record) {
            if !traces.resource_spans.is_empty() {
                return OtlpJson.parse(&as_json(&traces)?, ctx, out);
            }
        }
        if let Ok(logs) = ExportLogsServiceRequest::decode(record) {
            if !logs.resource_logs.is_empty() {
                return OtlpJson.parse(&as_json(&logs)?, ctx, out);
            }
        }
        if let Ok(metrics) = ExportMetricsServiceRequest::decode(record) {
            if !metrics.resource_metrics.is_empty() {
                out.other_signal(IGNORED_METRICS, 1);
                return Ok(());
            }
        }
        match ExportTraceServiceRequest::decode(record) {
            // An empty message: nothing to read, nothing lost.
            Ok(_) => Ok(()),
            Err(error) => Err(RecordError {
                reason: "invalid_protobuf",
                detail: format!(
                    "message {} ({} bytes) is not an OTLP traces, logs or metrics message: {error}",
                    ctx.line,
                    record.len()
                ),
                line: None,
            }),
        }
    }
}

fn as_json<T: serde::Serialize>(message: &T) -> Result<Vec<u8>, RecordError> {
    serde_json::to_vec(message).map_err(|error| RecordError {
        reason: "invalid_protobuf",
        detail: format!("the message cannot be written as OTLP/JSON: {error}"),
        line: None,
    })
}

/// The Collector's framing: a 4-byte big-endian length (whose first byte
/// is a control byte no text starts with) and a message that starts as a
/// protobuf message, a zstd frame or a JSON object does.
fn is_framed(head: &[u8]) -> bool {
    let Some(length) = head.get(..4) else {
        return false;
    };
    let length = u32::from_be_bytes(length.try_into().expect("4 bytes"));
    let message = head.get(4..).unwrap_or_default();
    head[0] <= 0x08
        && (message.starts_with(&[0x0a])
            || message.starts_with(b"{")
            || message.starts_with(&ZSTD_MAGIC)
            // An empty message, then the next one's length.
            || (length == 0 && message.first().is_none_or(|&b| b <= 0x08)))
}

/// A raw message: field 1 (`resource_spans` / `resource_logs` /
/// `resource_metrics`, length-delimited), then bytes that are not text:
/// tags and lengths put control bytes (other than tab, newline, return) or
/// bytes that are not UTF-8 into the first kilobyte of any message, and
/// text (JSON that starts with blank lines: 0x0a is a newline) has none.
fn is_raw_message(head: &[u8]) -> bool {
    if head.first() != Some(&0x0a) {
        return false;
    }
    let window = &head[..head.len().min(1024)];
    let control = window
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
    // A multi-byte character cut by the window's end is still text.
    let not_utf8 = std::str::from_utf8(window).is_err_and(|e| e.error_len().is_some());
    control || not_utf8
}

/// The messages of a length-framed file, each zstd frame decompressed; a
/// cut or oversized message ends the list with its error.
fn framed_messages(bytes: &[u8], max_bytes: usize) -> Vec<Result<Vec<u8>, RecordError>> {
    let mut messages = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let number = messages.len() + 1;
        let error = |reason: &'static str, detail: String| RecordError {
            reason,
            detail,
            line: Some(number as u32),
        };
        let Some(prefix) = bytes.get(at..at + 4) else {
            messages.push(Err(error(
                "truncated_message",
                format!(
                    "the file ends {} bytes into the length of message {number}",
                    bytes.len() - at
                ),
            )));
            break;
        };
        let length = u32::from_be_bytes(prefix.try_into().expect("4 bytes")) as usize;
        let Some(payload) = bytes.get(at + 4..at + 4 + length) else {
            messages.push(Err(error(
                "truncated_message",
                format!(
                    "message {number} says it has {length} bytes; the file ends after {}",
                    bytes.len() - at - 4
                ),
            )));
            break;
        };
        at += 4 + length;
        if !payload.starts_with(&ZSTD_MAGIC) {
            messages.push(Ok(payload.to_vec()));
            continue;
        }
        let mut plain = Vec::new();
        let read = zstd::stream::read::Decoder::new(payload)
            .and_then(|d| d.take(max_bytes as u64 + 1).read_to_end(&mut plain));
        messages.push(match read {
            Err(e) => Err(error("invalid_compression", format!("message {number}: its zstd frame cannot be read: {e}"))),
            Ok(n) if n > max_bytes => Err(error(
                "record_too_large",
                format!("message {number} is over the limit of {max_bytes} bytes once decompressed (--max-record-bytes)"),
            )),
            Ok(_) => Ok(plain),
        });
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_starts_with_newlines_is_not_a_message() {
        assert!(!is_raw_message(b"\n\n\n{\"resourceSpans\": []}"));
        assert!(!is_raw_message(b"\n\n\n\n\n\n"));
        // TracesData { resource_spans: [{ resource: {}, scope_spans: [{}] }] }
        assert!(is_raw_message(&[0x0a, 0x04, 0x0a, 0x00, 0x12, 0x00]));
        // A long first key: the lengths before it are not text.
        let mut long_key = vec![0x0a, 0xd4, 0x02, 0x0a, 0x4d, 0x0a, 0x4b, 0x0a, 0x47];
        long_key.extend(std::iter::repeat_n(b'k', 71));
        assert!(is_raw_message(&long_key));
        assert!(!is_raw_message("\n\n{\"é\": 1}".as_bytes()));
        assert!(is_framed(&[0, 0, 0, 0, 0, 0, 0, 6, 0x0a]));
        assert!(is_framed(&[0, 0, 0, 6, 0x0a, 0x04]));
        assert!(is_framed(&[0, 0, 0, 9, 0x28, 0xb5, 0x2f, 0xfd]));
        assert!(!is_framed(b"{\"a\": 1}"));
    }
}
