//! Strands Agents (strands-agents/sdk-python src/strands/telemetry/tracer.py):
//! GenAI keys on its spans, content in span events (read by `events.rs`),
//! multi-agent spans `invoke_swarm` / `invoke_graph` whose
//! `gen_ai.agent.name` is the orchestrator, and one span per reasoning
//! cycle, `execute_event_loop_cycle`. Swarm hand-offs are the tool
//! `handoff_to_agent {"agent_name": X, "message": ...}`.

use super::table::Dialect;
use crate::event::Kind;

pub const STRANDS: Dialect = Dialect {
    operation: &["gen_ai.operation.name"],
    operations: &[
        ("invoke_swarm", Kind::Workflow),
        ("invoke_graph", Kind::Workflow),
    ],
    span_names: &[("execute_event_loop_cycle", Kind::Step)],
    ..Dialect::EMPTY
};
