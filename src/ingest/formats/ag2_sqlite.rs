//! AG2 / AutoGen 0.2 runtime logging to SQLite (`autogen.runtime_logging.
//! start()`, whose default logger writes `logs.db`; FORMATS.md §3.9b;
//! ag2ai/ag2 autogen/logger/sqlite_logger.py, schema version 1): tables
//! `chat_completions {invocation_id, session_id, source_name, request,
//! response (JSON), cost, start_time, end_time}`, `agents {name, class,
//! session_id}`, `events {event_name, source_name, json_state, timestamp}`
//! and `function_calls {source_name, function_name, args, returns,
//! timestamp}`, read with SQLite itself (`rusqlite`, bundled).
//!
//! The rows are the file logger's records in other columns, so each
//! becomes the record `runtime.log` holds and is read by the same reader
//! (`ag2_runtime_log::read_session`), in the order they were logged
//! (timestamps, then table order). A session is one trace and one record.
//! Events and function calls carry no session: with several sessions in
//! one database (the logger appends to an existing file), each belongs to
//! the latest session started before it. Times are UTC without a zone.

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};
use std::io::Write;

use super::ag2_runtime_log::read_session;
use crate::ingest::format::{BinaryMessages, Format};
use crate::ingest::json::parse_json;
use crate::ingest::record::{RecordCtx, RecordError, RecordOutput};
use crate::ingest::time::parse_timestamp_ns;
use crate::ingest::values::trace_id_of_file;

pub struct Ag2Sqlite;

/// The first bytes of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

impl Format for Ag2Sqlite {
    fn name(&self) -> &'static str {
        "ag2_sqlite"
    }

    fn describe(&self) -> &'static str {
        "AG2/AutoGen 0.2 runtime logging database (logs.db, SQLite): chat completions, agents, events, function calls"
    }

    fn sniff(&self, _record: &Value) -> bool {
        false
    }

    fn sniff_binary(&self, head: &[u8]) -> bool {
        head.starts_with(SQLITE_MAGIC)
    }

    /// One message per session: `{"session_id", "entries": [...]}`, the
    /// entries in the file logger's shapes.
    fn binary_messages(&self, bytes: &[u8], max_bytes: usize) -> BinaryMessages {
        Ok(read_database(bytes)?

            .into_iter()
            .map(|session| {
                let message = session.to_string().into_bytes();
                if message.len() > max_bytes {
                    return Err(RecordError {
                        reason: "record_too_large",
                        detail: format!(
                            "session {} is {} bytes, over the limit of {max_bytes} bytes (--max-record-bytes)",
                            session["session_id"], message.len()
                        ),
                        line: None,
                    });
                }
                Ok(message)
            })
            .collect())
    }

    fn parse(
        &self,
        record: &[u8],
        ctx: &RecordCtx,
        out: &mut RecordOutput,
    ) -> Result<(), RecordError> {
        let doc: Value = parse_json(record, ctx.line)?;
        let session = match doc["session_id"].as_str() {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => trace_id_of_file(&ctx.file, None),
        };
        let entries = doc["entries"].as_array().into_iter().flatten();
        read_session(session, entries.map(|e| (None, e.clone())), ctx, out);
        Ok(())
    }
}

/// A row's place in the log's order: its time, then its table's rank
/// (agents are created before they speak), then its row id.
type Place = (i64, u8, i64);

/// The sessions of a database, each `{"session_id", "entries"}` in order.
fn read_database(bytes: &[u8]) -> Result<Vec<Value>, RecordError> {
    let unreadable = |detail: String| RecordError {
        reason: "unreadable_file",
        detail,
        line: None,
    };
    // SQLite reads files; the input may have come decompressed or on stdin.
    let mut copy = tempfile::NamedTempFile::new().map_err(|e| unreadable(e.to_string()))?;
    copy.write_all(bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(copy.path(), flags)
        .map_err(|e| unreadable(format!("not a readable SQLite database: {e}")))?;
    let tables =
        table_names(&db).map_err(|e| unreadable(format!("not a readable SQLite database: {e}")))?;
    if !["chat_completions", "events"]
        .iter()
        .all(|t| tables.iter().any(|n| n == t))
    {
        return Err(RecordError::unrecognized(&format!(
            "a SQLite database without AG2's runtime logging tables chat_completions and events (its tables: {})",
            tables.join(", ")
        )));
    }
    let has = |t: &str| tables.iter().any(|n| n == t);
    let rows = (|| -> rusqlite::Result<Vec<(Place, Option<String>, Value)>> {
        let mut rows = completions(&db)?;
        rows.extend(events(&db)?);
        if has("agents") {
            rows.extend(agents(&db)?);
        }
        if has("function_calls") {
            rows.extend(function_calls(&db)?);
        }
        Ok(rows)
    })()
    .map_err(|e| unreadable(format!("AG2 logging tables not as expected: {e}")))?;
    Ok(sessions(rows))
}

fn table_names(db: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement =
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let names = statement.query_map([], |row| row.get::<_, String>(0))?;
    names.collect()
}

/// A timestamp column's text as nanoseconds (rows without one sort first).
fn when(text: &Option<String>) -> i64 {
    text.as_deref()
        .and_then(parse_timestamp_ns)
        .unwrap_or(i64::MIN)
}

fn completions(db: &Connection) -> rusqlite::Result<Vec<(Place, Option<String>, Value)>> {
    let mut statement = db.prepare(
        "SELECT id, invocation_id, session_id, source_name, request, response, cost, start_time, end_time FROM chat_completions",
    )?;
    let rows = statement.query_map([], |row| {
        let id: i64 = row.get(0)?;
        let end: Option<String> = row.get(8)?;
        let entry = json!({
            "invocation_id": row.get::<_, Option<String>>(1)?,
            "source_name": row.get::<_, Option<String>>(3)?,
            "request": row.get::<_, Option<String>>(4)?,
            "response": row.get::<_, Option<String>>(5)?,
            "cost": row.get::<_, Option<f64>>(6)?,
            "start_time": row.get::<_, Option<String>>(7)?,
            "end_time": end,
        });
        // Logged when the response came.
        Ok(((when(&end), 1, id), row.get(2)?, entry))
    })?;
    rows.collect()
}

fn agents(db: &Connection) -> rusqlite::Result<Vec<(Place, Option<String>, Value)>> {
    let mut statement = db.prepare("SELECT id, session_id, name, class, timestamp FROM agents")?;
    let rows = statement.query_map([], |row| {
        let time: Option<String> = row.get(4)?;
        let entry = json!({
            "agent_name": row.get::<_, Option<String>>(2)?,
            "agent_type": row.get::<_, Option<String>>(3)?,
            "session_id": row.get::<_, Option<String>>(1)?,
            "current_time": time,
        });
        Ok(((when(&time), 0, row.get(0)?), row.get(1)?, entry))
    })?;
    rows.collect()
}

fn events(db: &Connection) -> rusqlite::Result<Vec<(Place, Option<String>, Value)>> {
    let mut statement =
        db.prepare("SELECT id, event_name, source_name, json_state, timestamp FROM events")?;
    let rows = statement.query_map([], |row| {
        let time: Option<String> = row.get(4)?;
        let entry = json!({
            "event_name": row.get::<_, Option<String>>(1)?,
            "source_name": row.get::<_, Option<String>>(2)?,
            "json_state": row.get::<_, Option<String>>(3)?,
            "timestamp": time,
        });
        Ok(((when(&time), 2, row.get(0)?), None, entry))
    })?;
    rows.collect()
}

fn function_calls(db: &Connection) -> rusqlite::Result<Vec<(Place, Option<String>, Value)>> {
    let mut statement = db.prepare(
        "SELECT rowid, source_name, function_name, args, returns, timestamp FROM function_calls",
    )?;
    let rows = statement.query_map([], |row| {
        let time: Option<String> = row.get(5)?;
        let json_text = |i: usize| -> rusqlite::Result<Value> {
            let text: Option<String> = row.get(i)?;
            Ok(text.map_or(Value::Null, |t| {
                serde_json::from_str(&t).unwrap_or(Value::String(t))
            }))
        };
        let entry = json!({
            "source_name": row.get::<_, Option<String>>(1)?,
            "function_name": row.get::<_, Option<String>>(2)?,
            "input_args": json_text(3)?,
            "returns": json_text(4)?,
            "timestamp": time,
        });
        Ok(((when(&time), 2, row.get(0)?), None, entry))
    })?;
    rows.collect()
}

/// Rows grouped into sessions, each in log order: a row without a session
/// (events, function calls) goes to the latest session started before it.
fn sessions(mut rows: Vec<(Place, Option<String>, Value)>) -> Vec<Value> {
    rows.sort_by_key(|(place, _, _)| *place);
    let mut order: Vec<String> = Vec::new();
    let mut entries: Vec<Vec<Value>> = Vec::new();
    let mut pending: Vec<Value> = Vec::new();
    for (_, session, entry) in rows {
        let index = match session {
            Some(id) => match order.iter().position(|s| *s == id) {
                Some(index) => Some(index),
                None => {
                    order.push(id);
                    entries.push(std::mem::take(&mut pending));
                    Some(order.len() - 1)
                }
            },
            None => order.len().checked_sub(1),
        };
        match index {
            Some(i) => entries[i].push(entry),
            None => pending.push(entry),
        }
    }
    if order.is_empty() && !pending.is_empty() {
        order.push(String::new());
        entries.push(pending);
    }
    order
        .into_iter()
        .zip(entries)
        .map(|(session_id, entries)| json!({"session_id": session_id, "entries": entries}))
        .collect()
}
