//! Google Agent Development Kit (google/adk-python
//! src/google/adk/telemetry/tracing.py): model calls are spans named
//! `call_llm` with `gen_ai.system = gcp.vertex.agent` and no operation name;
//! the request and response as JSON in `gcp.vertex.agent.llm_request` /
//! `llm_response` (Gemini `contents` / `content.parts`); tool spans
//! `execute_tool <name>` carry the arguments in
//! `gcp.vertex.agent.tool_call_args` and the result in
//! `gcp.vertex.agent.tool_response`. Agent transfers are the built-in tool
//! `transfer_to_agent {"agent_name": X}` (read as handoffs in assembly).

use super::table::{Dialect, Shape};
use crate::event::Kind;

pub const ADK: Dialect = Dialect {
    marker: &["gcp.vertex.agent."],
    span_names: &[("call_llm", Kind::LlmCall)],
    session: &["gcp.vertex.agent.session_id"],
    tool_args: &["gcp.vertex.agent.tool_call_args"],
    tool_result: &["gcp.vertex.agent.tool_response"],
    input: &["gcp.vertex.agent.llm_request"],
    input_shape: Shape::Messages,
    output: &["gcp.vertex.agent.llm_response"],
    output_shape: Shape::Messages,
    ..Dialect::EMPTY
};
