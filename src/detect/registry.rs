//! The table of detectors: a new detector is one file under
//! `detect/detectors/` and one line here.

use super::detectors::*;
use super::Detector;

/// Every detector, in the order `rules` lists them.
pub fn registry() -> Vec<&'static dyn Detector> {
    vec![
        &RepeatedIdenticalOutput,
        &RepeatedToolCall,
        &HandoffCycle,
        &HopLimitExceeded,
        &ConvergenceStarvation,
        &TurnLimitHit,
        &BudgetExceeded,
        &DurationExceeded,
        &FailedWorkerIgnored,
        &RetryWithoutReplan,
        &InvalidToolArguments,
        &UnconfirmedAction,
        &PrematureTermination,
        &MadeUpData,
        &ProviderError,
        &MissingVerification,
        &ConversationReset,
        &NoOwner,
        &UntypedWorkerResult,
        &UnescalatedLowConfidence,
        &UnreadableTrace,
    ]
}
