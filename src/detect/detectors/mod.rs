//! The detectors, one file each. Each struct's doc comment is its
//! specification and what `tracelint rules NAME` prints.

mod budget_exceeded;
mod convergence_starvation;
mod conversation_reset;
mod duration_exceeded;
mod failed_worker_ignored;
mod handoff_cycle;
mod hop_limit_exceeded;
mod invalid_tool_arguments;
mod made_up_data;
mod missing_verification;
mod no_owner;
mod premature_termination;
mod provider_error;
mod repeated_identical_output;
mod repeated_tool_call;
mod retry_without_replan;
mod turn_limit_hit;
mod unconfirmed_action;
mod unescalated_low_confidence;
mod unreadable_trace;
mod untyped_worker_result;

pub use budget_exceeded::BudgetExceeded;
pub use convergence_starvation::ConvergenceStarvation;
pub use conversation_reset::ConversationReset;
pub use duration_exceeded::DurationExceeded;
pub use failed_worker_ignored::FailedWorkerIgnored;
pub use handoff_cycle::HandoffCycle;
pub use hop_limit_exceeded::HopLimitExceeded;
pub use invalid_tool_arguments::InvalidToolArguments;
pub use made_up_data::MadeUpData;
pub use missing_verification::MissingVerification;
pub use no_owner::NoOwner;
pub use premature_termination::PrematureTermination;
pub use provider_error::ProviderError;
pub use repeated_identical_output::RepeatedIdenticalOutput;
pub use repeated_tool_call::RepeatedToolCall;
pub use retry_without_replan::RetryWithoutReplan;
pub use turn_limit_hit::TurnLimitHit;
pub use unconfirmed_action::UnconfirmedAction;
pub use unescalated_low_confidence::UnescalatedLowConfidence;
pub use unreadable_trace::UnreadableTrace;
pub use untyped_worker_result::UntypedWorkerResult;
