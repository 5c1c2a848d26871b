//! Detector options: one section per detector, each key with the default
//! that production guards use (FORMATS.md §7, §8). They come from
//! `[detectors.<name>]` in tracelint.toml and from `check` flags; an unknown
//! key is an error that names it.

use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DetectOptions {
    #[serde(rename = "repeated-identical-output")]
    pub repeated_output: RepeatedOutput,
    #[serde(rename = "repeated-tool-call")]
    pub repeated_tool_call: RepeatedToolCall,
    #[serde(rename = "handoff-cycle")]
    pub handoff_cycle: HandoffCycle,
    #[serde(rename = "convergence-starvation")]
    pub convergence: Convergence,
    #[serde(rename = "hop-limit-exceeded")]
    pub hop_limit: HopLimit,
    #[serde(rename = "budget-exceeded")]
    pub budget: Budget,
    #[serde(rename = "duration-exceeded")]
    pub duration: Duration,
    #[serde(rename = "unescalated-low-confidence")]
    pub low_confidence: LowConfidence,
    #[serde(rename = "unconfirmed-action")]
    pub unconfirmed_action: UnconfirmedAction,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct UnconfirmedAction {
    /// Tools that change the world, by the first word of their name
    /// (`cancel_reservation`, `sendEmail`, `delete-file`); compared without
    /// case.
    pub action_verbs: Vec<String>,
}

impl Default for UnconfirmedAction {
    fn default() -> Self {
        UnconfirmedAction {
            // tau-bench's airline and retail tools (book_reservation,
            // update_reservation_flights, cancel_pending_order,
            // exchange_delivered_order_items, send_certificate) and the
            // verbs of other tools that write, pay or send.
            action_verbs: [
                "book",
                "cancel",
                "update",
                "modify",
                "change",
                "delete",
                "remove",
                "create",
                "add",
                "send",
                "pay",
                "refund",
                "exchange",
                "return",
                "purchase",
                "order",
                "submit",
                "transfer",
                "write",
                "post",
                "publish",
                "deploy",
                "charge",
                "upgrade",
                "downgrade",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LowConfidence {
    /// Stated confidence below which an output must be validated or
    /// escalated.
    pub threshold: f64,
}

impl Default for LowConfidence {
    fn default() -> Self {
        LowConfidence { threshold: 0.6 }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatedOutput {
    /// Copies of one output by one agent that make a loop.
    pub min_repeats: usize,
    /// Outputs shorter than this many words are protocol (routing lines
    /// such as "Next speaker X", TERMINATE, OK), not work, and are not
    /// compared.
    pub min_words: usize,
}

impl Default for RepeatedOutput {
    fn default() -> Self {
        RepeatedOutput {
            min_repeats: 3,
            min_words: 4,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatedToolCall {
    /// Identical calls within the window that make a loop.
    pub min_repeats: usize,
    /// How many consecutive tool calls of the trace the repeats must fall in.
    pub window: usize,
    /// Tools taken as polled, not looping, when their calls' results are
    /// not recorded (recorded results decide: changing results are
    /// progress). Compared without case; a name ending in one of these
    /// also matches.
    pub polling_tools: Vec<String>,
}

impl Default for RepeatedToolCall {
    fn default() -> Self {
        RepeatedToolCall {
            min_repeats: 3,
            window: 10,
            polling_tools: [
                "get_status",
                "check_status",
                "get_job_status",
                "poll",
                "wait",
                "sleep",
                "get_task_status",
                "get_run_status",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HandoffCycle {
    /// Times a cycle of explicit handoffs must come round.
    pub min_rounds: usize,
    /// Times a cycle of turns between LLM agents of a conversation (no
    /// explicit handoffs) must come round: taking turns is what a
    /// conversation does, so more rounds are needed.
    pub min_rounds_conversation: usize,
}

impl Default for HandoffCycle {
    fn default() -> Self {
        HandoffCycle {
            min_rounds: 2,
            // ChatDev's code review goes round its three designed cycles:
            // three rounds of turns are a process, not yet a loop.
            min_rounds_conversation: 4,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Convergence {
    /// MinHash similarity from which two versions are near-duplicates.
    pub similarity: f64,
    /// Consecutive near-duplicate versions that make starvation.
    pub min_rounds: usize,
}

impl Default for Convergence {
    fn default() -> Self {
        Convergence {
            similarity: 0.9,
            min_rounds: 3,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HopLimit {
    /// Most handoffs a trace may make.
    pub max_hops: usize,
}

impl Default for HopLimit {
    fn default() -> Self {
        HopLimit { max_hops: 12 }
    }
}

/// Off until configured (`--budget-tokens`, `--budget-usd`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Budget {
    pub max_tokens: Option<i64>,
    pub max_usd: Option<f64>,
}

/// Off until configured (`--max-duration`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Duration {
    pub max_seconds: Option<f64>,
}
