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
//! Events and function calls carry no session but their agent's id
//! (`source_id`), which the `agents` table gives a session: the logger
//! appends every run to an existing file, so a database holds many. A row
//! whose agent id several sessions share goes to the latest session started
//! before it. Times are UTC without a zone. A write-ahead log beside the
//! database (`logs.db-wal`) is read with it.

use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};
use std::collections::HashMap;

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
    fn binary_messages(&self, bytes: &[u8], name: &str, max_bytes: usize) -> BinaryMessages {
        Ok(read_database(bytes, name)?
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
        let mut doc: Value = parse_json(record, ctx.line)?;
        let session = match doc["session_id"].as_str() {
            Some(id) if !id.is_empty() => id.to_string(),
            _ => trace_id_of_file(&ctx.file, None),
        };
        let entries = match doc["entries"].take() {
            Value::Array(entries) => entries,
            _ => Vec::new(),
        };
        read_session(session, entries.into_iter().map(|e| (None, e)), ctx, out);
        Ok(())
    }
}

/// A row's place in the log's order: its time, then its table's rank
/// (agents are created before they speak), then its row id.
type Place = (i64, u8, i64);

/// A row: its place, its session when it names one (or its agent does),
/// and its record in the file logger's shape.
type Row = (Place, Option<String>, Value);

/// The sessions of a database, each `{"session_id", "entries"}` in order.
fn read_database(bytes: &[u8], name: &str) -> Result<Vec<Value>, RecordError> {
    let unreadable = |detail: String| RecordError {
        reason: "unreadable_file",
        detail,
        line: None,
    };
    // The folder lives until the connection is done with it.
    let (_dir, db) = open_copy(bytes, name)
        .map_err(|e| unreadable(format!("not a readable SQLite database: {e}")))?;
    let tables =
        table_names(&db).map_err(|e| unreadable(format!("not a readable SQLite database: {e}")))?;
    let has = |t: &str| tables.iter().any(|n| n == t);
    let missing: Vec<&str> = ["chat_completions", "events"]
        .into_iter()
        .filter(|t| !has(t))
        .collect();
    if !missing.is_empty() {
        return Err(RecordError::unrecognized(&format!(
            "a SQLite database without AG2's runtime logging tables: no {} (its tables: {})",
            missing.join(", "),
            tables.join(", ")
        )));
    }
    let rows = (|| -> rusqlite::Result<Vec<Row>> {
        let owners = if has("agents") {
            agent_sessions(&db)?
        } else {
            HashMap::new()
        };
        let mut rows = completions(&db)?;
        rows.extend(events(&db, &owners)?);
        if has("agents") {
            rows.extend(agents(&db)?);
        }
        if has("function_calls") {
            rows.extend(function_calls(&db, &owners)?);
        }
        Ok(rows)
    })()
    .map_err(|e| unreadable(format!("AG2 logging tables not as expected: {e}")))?;
    Ok(sessions(rows))
}

/// A copy of the database SQLite can open, in a temporary folder that
/// takes SQLite's side files with it when dropped: the input may have come
/// decompressed or on stdin. A write-ahead log beside a named database
/// (`logs.db-wal`) is copied too, so rows not yet checkpointed are read.
fn open_copy(bytes: &[u8], name: &str) -> std::io::Result<(tempfile::TempDir, Connection)> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("logs.db");
    std::fs::write(&path, bytes)?;
    let wal = std::path::PathBuf::from(format!("{name}-wal"));
    if wal.is_file() {
        std::fs::copy(&wal, dir.path().join("logs.db-wal"))?;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(&path, flags).map_err(std::io::Error::other)?;
    Ok((dir, db))
}

/// The session of each agent id (`agents.agent_id`, Python's `id()` of the
/// agent) that belongs to one session only: events and function calls name
/// their agent (`source_id`) but not their session.
fn agent_sessions(db: &Connection) -> rusqlite::Result<HashMap<i64, String>> {
    let mut statement = db.prepare("SELECT agent_id, session_id FROM agents")?;
    let pairs = statement.query_map([], |row| {
        Ok((
            row.get::<_, Option<i64>>(0)?,
            row.get::<_, Option<String>>(1)?,
        ))
    })?;
    let mut owners: HashMap<i64, Option<String>> = HashMap::new();
    for pair in pairs {
        if let (Some(agent), Some(session)) = pair? {
            owners
                .entry(agent)
                .and_modify(|s| {
                    if s.as_deref() != Some(session.as_str()) {
                        *s = None;
                    }
                })
                .or_insert(Some(session));
        }
    }
    Ok(owners
        .into_iter()
        .filter_map(|(agent, session)| Some((agent, session?)))
        .collect())
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

fn completions(db: &Connection) -> rusqlite::Result<Vec<Row>> {
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

fn agents(db: &Connection) -> rusqlite::Result<Vec<Row>> {
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

fn events(db: &Connection, owners: &HashMap<i64, String>) -> rusqlite::Result<Vec<Row>> {
    let mut statement = db.prepare(
        "SELECT id, event_name, source_name, json_state, timestamp, source_id FROM events",
    )?;
    let rows = statement.query_map([], |row| {
        let time: Option<String> = row.get(4)?;
        let entry = json!({
            "event_name": row.get::<_, Option<String>>(1)?,
            "source_name": row.get::<_, Option<String>>(2)?,
            "json_state": row.get::<_, Option<String>>(3)?,
            "timestamp": time,
        });
        let session = owner(row.get_ref(5)?, owners);
        Ok(((when(&time), 2, row.get(0)?), session, entry))
    })?;
    rows.collect()
}

/// The session of a row's `source_id`, when its agent is of one session.
fn owner(source_id: rusqlite::types::ValueRef, owners: &HashMap<i64, String>) -> Option<String> {
    match source_id {
        rusqlite::types::ValueRef::Integer(id) => owners.get(&id).cloned(),
        _ => None,
    }
}

fn function_calls(db: &Connection, owners: &HashMap<i64, String>) -> rusqlite::Result<Vec<Row>> {
    let mut statement = db.prepare(
        "SELECT rowid, source_name, function_name, args, returns, timestamp, source_id FROM function_calls",
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
        let session = owner(row.get_ref(6)?, owners);
        Ok(((when(&time), 2, row.get(0)?), session, entry))
    })?;
    rows.collect()
}

/// Rows grouped into sessions, each in log order: a row whose session is
/// not known (an event of an agent id that more than one session used)
/// goes to the latest session started before it.
fn sessions(mut rows: Vec<Row>) -> Vec<Value> {
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
