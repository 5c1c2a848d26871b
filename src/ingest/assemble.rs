//! Assembling traces from pending events, once all inputs are read (a trace
//! may span files): duplicate span ids dropped, parent cycles cut, events
//! ordered into `seq`, agents resolved by ancestry, the rows that carry
//! countable usage marked. Traces are independent, so they are assembled in
//! parallel.
//!
//! Events are assembled where they were read, in their chunks, through
//! references: none is moved. Grouping them by moving each into its trace's
//! vector took 28–39 ms of a 100 MiB `check` on one thread, and 215 ms in
//! the runs where the host is slow to hand out the 110 MB of fresh memory
//! those vectors need.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::dialect::tool_spelling;
use crate::accounting::{Diagnostic, IngestReport, Location, Severity};
use crate::event::{Event, Kind, PendingEvent, Role};

/// Completes an assembled trace (agents resolved, events in `seq` order)
/// with facts no single record gives: the formats' `finish_trace` hook,
/// passed in so that assembling knows no format.
pub type FinishTrace = fn(&mut [&mut Event]);

/// One list per trace, traces sorted by id, each trace's events by `seq`;
/// repairs and drops go to `report`; `finish` completes each trace.
/// `pending` comes in the chunks it was read in, in any order of chunks
/// (each event carries its input order). The events are completed in place
/// (`seq`, agents, usage leaves); a dropped duplicate stays in its chunk, in
/// no trace.
pub fn assemble<'a>(
    pending: &'a mut [Vec<PendingEvent>],
    report: &mut IngestReport,
    finish: FinishTrace,
) -> Vec<Vec<&'a Event>> {
    let assembled: Vec<TraceAssembly> = group_by_trace(pending)
        .into_par_iter()
        .map(|trace| assemble_trace(trace, finish))
        .collect();
    let mut traces = Vec::with_capacity(assembled.len());
    for trace in assembled {
        traces.push(trace.events);
        trace
            .dropped
            .into_iter()
            .for_each(|d| report.demote_to_skipped(d));
        trace.repaired.into_iter().for_each(|d| report.add(d));
        report.joined_to_spans(trace.joined, trace.orphaned);
    }
    traces
}

/// The events of each trace, traces sorted by id.
fn group_by_trace(pending: &mut [Vec<PendingEvent>]) -> Vec<Vec<&mut PendingEvent>> {
    let mut trace_ids: Vec<&str> = Vec::new();
    let mut group_of_id: HashMap<&str, u32> = HashMap::default();
    let group_of_event: Vec<u32> = pending
        .iter()
        .flatten()
        .map(|p| {
            let id = p.event.trace_id.as_str();
            *group_of_id.entry(id).or_insert_with(|| {
                trace_ids.push(id);
                trace_ids.len() as u32 - 1
            })
        })
        .collect();
    let mut sizes = vec![0usize; trace_ids.len()];
    group_of_event.iter().for_each(|&g| sizes[g as usize] += 1);
    let mut rank: Vec<u32> = (0..trace_ids.len() as u32).collect();
    rank.sort_unstable_by_key(|&g| trace_ids[g as usize]);
    // position[g]: where group g goes in trace id order.
    let mut position = vec![0u32; trace_ids.len()];
    for (at, &g) in rank.iter().enumerate() {
        position[g as usize] = at as u32;
    }
    drop(group_of_id);
    let mut groups: Vec<Vec<&mut PendingEvent>> = rank
        .iter()
        .map(|&g| Vec::with_capacity(sizes[g as usize]))
        .collect();
    for (p, g) in pending.iter_mut().flatten().zip(group_of_event) {
        groups[position[g as usize] as usize].push(p);
    }
    groups
}

fn diagnostic(
    event: &Event,
    severity: Severity,
    reason: &'static str,
    detail: String,
) -> Diagnostic {
    Diagnostic {
        file: event.source_file.to_string(),
        location: Location::Line(event.source_line),
        severity,
        reason,
        detail,
    }
}

struct TraceAssembly<'a> {
    /// In seq order.
    events: Vec<&'a Event>,
    /// Conflicting duplicates, no longer counted as ingested.
    dropped: Vec<Diagnostic>,
    /// Repairs of kept events, and identical duplicates merged into their
    /// first copy (read and ingested, into that copy: a repair).
    repaired: Vec<Diagnostic>,
    /// Log records folded into their spans.
    joined: u64,
    /// Log records whose span is not in the trace, set aside.
    orphaned: u64,
}

fn assemble_trace(mut pending: Vec<&mut PendingEvent>, finish: FinishTrace) -> TraceAssembly<'_> {
    // Input order: events mostly come in it (files and lines are read in
    // order), but not from a spill, whose chunks are written by whichever
    // thread parsed them.
    pending.sort_by_key(|p| p.order);
    let mut dropped = Vec::new();
    let mut repaired = Vec::new();

    // Duplicate span ids: the first in input order is kept. A copy that
    // says exactly the same is the same record exported twice (TRAIL has
    // one): it is merged and reported as a repair. A copy that differs is a
    // conflicting record: skipped. Decided first, with the span ids
    // borrowed, then removed from the list in place: copying every span id
    // and keeping a second vector of the (then moved) events was the
    // largest part of the peak memory of a 1 GiB `ingest`.
    let mut keep = vec![true; pending.len()];
    let mut first_of: HashMap<&str, usize> = HashMap::default();
    for (i, p) in pending.iter().enumerate() {
        let first = *first_of.entry(p.event.span_id.as_str()).or_insert(i);
        if first == i {
            continue;
        }
        keep[i] = false;
        let kept = &pending[first];
        let (span, trace) = (&p.event.span_id, &p.event.trace_id);
        let (list, severity, reason, detail) = if kept.event.same_content(&p.event)
            && kept.clues == p.clues
        {
            let detail = format!(
                    "span {span} of trace {trace} appears twice with the same content; one copy is kept"
                );
            (
                &mut repaired,
                Severity::Repaired,
                "duplicate_record",
                detail,
            )
        } else {
            let detail = format!(
                    "span {span} appears again in trace {trace} with other content; the first one is kept"
                );
            (&mut dropped, Severity::Skipped, "duplicate_span_id", detail)
        };
        list.push(diagnostic(&p.event, severity, reason, detail));
    }
    drop(first_of);
    let mut index = 0;
    pending.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    // After duplicates are merged, so that log records land in the copy
    // that is kept and the copies still say the same.
    let (joined, orphaned) = fold_attachments(&mut pending);

    for p in &mut pending {
        if let (Some(start), Some(end)) = (p.event.start_ns, p.event.end_ns) {
            if end < start {
                let detail = format!(
                    "span {} ends {} ns before it starts; its end time is dropped",
                    p.event.span_id,
                    start - end
                );
                repaired.push(diagnostic(
                    &p.event,
                    Severity::Repaired,
                    "end_before_start",
                    detail,
                ));
                p.event.end_ns = None;
            }
        }
    }

    let n = pending.len();
    let index: HashMap<&str, usize> = pending
        .iter()
        .enumerate()
        .map(|(i, p)| (p.event.span_id.as_str(), i))
        .collect();
    let mut parent: Vec<Option<usize>> = pending
        .iter()
        .map(|p| {
            p.event
                .parent_id
                .as_deref()
                .and_then(|id| index.get(id).copied())
        })
        .collect();
    drop(index);

    for i in cut_parent_cycles(&mut parent) {
        let event = &mut pending[i].event;
        let detail = format!(
            "span {} is its own ancestor through parent {}; the link is cut and it becomes a root",
            event.span_id,
            event.parent_id.as_deref().unwrap_or_default()
        );
        repaired.push(diagnostic(
            event,
            Severity::Repaired,
            "parent_cycle",
            detail,
        ));
        event.parent_id = None;
    }

    let (topological, depth) = topological_order(&parent);
    merge_nested_tool_calls(&mut pending, &parent, &topological);
    resolve_agents(&mut pending, &parent, &topological);
    resolve_tool_handoffs(&mut pending);
    mark_usage_leaves(&mut pending, &parent);

    // seq: by start time (ancestors first on ties, then input order) when
    // every event has one; by input order otherwise (message lists, logs).
    let mut order: Vec<usize> = (0..n).collect();
    if pending.iter().all(|p| p.event.start_ns.is_some()) {
        order.sort_by_key(|&i| (pending[i].event.start_ns, depth[i], pending[i].order));
    }
    permute_in_place(&mut pending, order);
    let mut events: Vec<&mut Event> = pending.into_iter().map(|p| &mut p.event).collect();
    for (seq, event) in events.iter_mut().enumerate() {
        event.seq = seq as u32;
    }
    finish(&mut events);
    TraceAssembly {
        events: events.into_iter().map(|e| &*e).collect(),
        dropped,
        repaired,
        joined,
        orphaned,
    }
}

/// Folds the content of log records (`attach_to`) into the spans they
/// belong to: an output where the span has none (the first choice), an
/// input where it has none (the last user message, else the last message).
/// Content whose span is not in the trace is set aside: alone, a choice or
/// a prompt is not a step of the run (read as one, it looked like a task
/// sent again). Returns how many were folded and how many set aside.
fn fold_attachments(pending: &mut Vec<&mut PendingEvent>) -> (u64, u64) {
    if pending.iter().all(|p| p.attach_to.is_none()) {
        return (0, 0);
    }
    let spans: HashMap<String, usize> = pending
        .iter()
        .enumerate()
        .filter(|(_, p)| p.attach_to.is_none())
        .map(|(i, p)| (p.event.span_id.clone(), i))
        .collect();
    let mut joined = 0;
    // Spans whose input came from a folded record, and whether a user's.
    let mut input_from_log: HashMap<usize, bool> = HashMap::default();
    for i in 0..pending.len() {
        let Some(id) = pending[i].attach_to.as_deref() else {
            continue;
        };
        let Some(&target) = spans.get(id) else {
            continue;
        };
        joined += 1;
        let content = pending[i].event.clone();
        let span = &mut pending[target].event;
        if content.output.is_some() {
            if span.output.is_none() {
                span.output = content.output;
                span.output_sig = content.output_sig;
                span.output_signals = content.output_signals;
                span.output_failure_signature = content.output_failure_signature;
            }
            continue;
        }
        let from_user = content.role == Some(Role::User);
        let replace = match input_from_log.get(&target) {
            None => span.input.is_none(),
            Some(&user_before) => from_user || !user_before,
        };
        if replace && content.input.is_some() {
            span.input = content.input;
            input_from_log.insert(target, from_user);
        }
    }
    let attached = pending.iter().filter(|p| p.attach_to.is_some()).count() as u64;
    pending.retain(|p| p.attach_to.is_none());
    (joined, attached - joined)
}

/// Reorders `items` so that `items[k]` becomes what `items[order[k]]` was,
/// by swaps along the permutation's cycles: no second copy of the items,
/// which for a trace of 100,000 events is tens of megabytes.
fn permute_in_place<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut k = start;
        // Follow the cycle through `start`, marking each place done.
        while order[k] != start {
            let from = order[k];
            items.swap(k, from);
            order[k] = k;
            k = from;
        }
        order[k] = k;
    }
}

/// Cuts one link in each parent cycle, so the parent relation is a forest.
/// Returns the events whose parent link was cut: in each cycle, the one
/// through which the walk re-entered the cycle.
fn cut_parent_cycles(parent: &mut [Option<usize>]) -> Vec<usize> {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; parent.len()];
    let mut cut = Vec::new();
    let mut path = Vec::new();
    for start in 0..parent.len() {
        let mut node = start;
        while state[node] == UNSEEN {
            state[node] = ON_PATH;
            path.push(node);
            match parent[node] {
                Some(p) if state[p] == ON_PATH => {
                    parent[node] = None;
                    cut.push(node);
                    break;
                }
                Some(p) => node = p,
                None => break,
            }
        }
        for visited in path.drain(..) {
            state[visited] = DONE;
        }
    }
    cut
}

/// Parents before children, and each event's depth (roots are 0). Needs a
/// forest; iterative so deep chains cannot overflow the stack.
fn topological_order(parent: &[Option<usize>]) -> (Vec<usize>, Vec<u32>) {
    let n = parent.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    let mut depth = vec![0u32; n];
    let mut order = Vec::with_capacity(n);
    let mut queue = std::collections::VecDeque::from(roots);
    while let Some(node) = queue.pop_front() {
        order.push(node);
        for &child in &children[node] {
            depth[child] = depth[node] + 1;
            queue.push_back(child);
        }
    }
    (order, depth)
}

/// One tool call seen by two instrumentations is one call: a tool span
/// whose nearest tool-call ancestor calls the same tool (an MCP client and
/// server span under the agent framework's `execute_tool`; an
/// OpenInference TOOL span inside a framework's tool span) is kept as
/// `other`, its arguments given to the outer span if that has none, so
/// that repeated-call detectors count the call once.
fn merge_nested_tool_calls(
    pending: &mut [&mut PendingEvent],
    parent: &[Option<usize>],
    topological: &[usize],
) {
    // The nearest tool-call ancestor of each event, parents first.
    let mut outer_tool: Vec<Option<usize>> = vec![None; pending.len()];
    for &i in topological {
        outer_tool[i] = parent[i].and_then(|p| {
            if pending[p].event.kind == Kind::ToolCall {
                Some(p)
            } else {
                outer_tool[p]
            }
        });
        let Some(outer) = outer_tool[i] else {
            continue;
        };
        let same_tool = pending[i].event.kind == Kind::ToolCall
            && pending[i].event.tool_name.is_some()
            && pending[i].event.tool_name == pending[outer].event.tool_name;
        if !same_tool {
            continue;
        }
        pending[i].event.kind = Kind::Other;
        if pending[outer].event.tool_args.is_none() {
            let (args, hash) = (
                pending[i].event.tool_args.clone(),
                pending[i].event.tool_args_hash,
            );
            pending[outer].event.tool_args = args;
            pending[outer].event.tool_args_hash = hash;
        }
    }
}

/// Agent of each event (FORMATS.md §5): its own agent attribute, else the
/// agent of its nearest ancestor that names one (an `agent_invoke`, or any
/// span that carries an agent name: a swarm's node, a graph's worker),
/// else its hint (graph node), else its fallback (service name). A
/// handoff without a source agent is made by the agent it runs under.
///
/// A fallback names the process, not an agent: it is kept only where it
/// owns a model or tool call of the trace (a single-agent app known by its
/// service), never on a wrapper span alone ('support-bot' above named
/// agents).
fn resolve_agents(
    pending: &mut [&mut PendingEvent],
    parent: &[Option<usize>],
    topological: &[usize],
) {
    // What each event passes down to its children.
    let mut inherited: Vec<Option<String>> = vec![None; pending.len()];
    let mut from_fallback = vec![false; pending.len()];
    for &i in topological {
        let from_ancestor = parent[i].and_then(|p| inherited[p].clone());
        let p = &mut pending[i];
        let own = p.clues.own.clone();
        let agent = own
            .clone()
            .or_else(|| from_ancestor.clone())
            .or_else(|| p.clues.hint.clone());
        from_fallback[i] = agent.is_none() && p.clues.fallback.is_some();
        let agent = agent.or_else(|| p.clues.fallback.clone());
        p.event.agent_is_service = from_fallback[i];
        inherited[i] = if own.is_some() {
            own
        } else if p.event.kind == Kind::AgentInvoke && agent.is_some() {
            agent.clone()
        } else {
            from_ancestor
        };
        if p.event.kind == Kind::Handoff && p.event.handoff_from.is_none() {
            p.event.handoff_from = inherited[i].clone().or_else(|| agent.clone());
        }
        p.event.agent = agent;
    }
    let working: Vec<&str> = pending
        .iter()
        .zip(&from_fallback)
        .filter(|(p, &fallback)| fallback && matches!(p.event.kind, Kind::LlmCall | Kind::ToolCall))
        .filter_map(|(p, _)| p.event.agent.as_deref())
        .collect();
    let idle: Vec<usize> = (0..pending.len())
        .filter(|&i| from_fallback[i])
        .filter(|&i| {
            pending[i]
                .event
                .agent
                .as_deref()
                .is_some_and(|a| !working.contains(&a))
        })
        .collect();
    for i in idle {
        pending[i].event.agent = None;
        pending[i].event.agent_is_service = false;
    }
}

/// Handoffs recorded as tool calls, once the trace's agents are known: a
/// tool named `transfer_to_X` is a handoff from its agent if X is an agent
/// of the trace (spelled as tool names spell it), and stays a tool call
/// otherwise (`transfer_to_savings`, tau-bench's `transfer_to_human_agents`).
/// A handoff's target is written as the agent names itself, so that
/// `TRIAGE` and `triage` are one agent.
fn resolve_tool_handoffs(pending: &mut [&mut PendingEvent]) {
    if pending.iter().all(|p| p.event.handoff_to.is_none()) {
        return;
    }
    // A trace has few agents: a linear look keeps to one copy of each.
    let mut names: Vec<String> = Vec::new();
    for p in pending.iter().filter(|p| !p.event.agent_is_service) {
        if let Some(agent) = p.event.agent.as_deref() {
            if !names.iter().any(|n| n == agent) {
                names.push(agent.to_string());
            }
        }
    }
    names.sort_unstable();
    // Most ends are spelled as their agent: the spelled names are made
    // only for the first one that is not.
    let mut spelled: Option<HashMap<String, usize>> = None;
    let mut known = |name: Option<&str>| -> Option<String> {
        let name = name?;
        if names.binary_search_by(|n| n.as_str().cmp(name)).is_ok() {
            return Some(name.to_string());
        }
        let spelled = spelled.get_or_insert_with(|| {
            names
                .iter()
                .enumerate()
                .rev()
                .map(|(i, n)| (tool_spelling(n), i))
                .collect()
        });
        spelled.get(&tool_spelling(name)).map(|&i| names[i].clone())
    };
    for p in pending.iter_mut() {
        let event = &mut p.event;
        if event.handoff_to.is_none() {
            continue;
        }
        match event.kind {
            Kind::ToolCall => match known(event.handoff_to.as_deref()) {
                Some(agent) => {
                    event.kind = Kind::Handoff;
                    event.handoff_to = Some(agent);
                    event.handoff_from = event.handoff_from.take().or_else(|| event.agent.clone());
                }
                None => event.handoff_to = None,
            },
            Kind::Handoff => {
                for end in [&mut event.handoff_to, &mut event.handoff_from] {
                    if let Some(agent) = known(end.as_deref()) {
                        *end = Some(agent);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Marks the rows whose usage is counted: those that carry tokens or cost
/// and have no descendant that does.
fn mark_usage_leaves(pending: &mut [&mut PendingEvent], parent: &[Option<usize>]) {
    let mut has_usage_below = vec![false; pending.len()];
    for (i, p) in pending.iter().enumerate() {
        if !p.event.carries_usage() {
            continue;
        }
        let mut ancestor = parent[i];
        while let Some(a) = ancestor {
            if has_usage_below[a] {
                break;
            }
            has_usage_below[a] = true;
            ancestor = parent[a];
        }
    }
    for (p, below) in pending.iter_mut().zip(has_usage_below) {
        p.event.usage_leaf = p.event.carries_usage() && !below;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_cut_once_each() {
        // 0 -> 1 -> 2 -> 0 (a cycle), 3 -> 3 (self loop), 4 -> 0.
        let mut parent = vec![Some(1), Some(2), Some(0), Some(3), Some(0)];
        let cut = cut_parent_cycles(&mut parent);
        assert_eq!(cut, vec![2, 3]);
        assert_eq!(parent, vec![Some(1), Some(2), None, None, Some(0)]);
        let (order, depth) = topological_order(&parent);
        assert_eq!(order.len(), 5);
        assert_eq!(depth, vec![2, 1, 0, 0, 3]);
    }

    #[test]
    fn permuting_in_place_puts_each_item_where_the_order_says() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e', 'f'];
        permute_in_place(&mut items, vec![3, 0, 1, 2, 5, 4]);
        assert_eq!(items, vec!['d', 'a', 'b', 'c', 'f', 'e']);
        let mut identity = vec![1, 2, 3];
        permute_in_place(&mut identity, vec![0, 1, 2]);
        assert_eq!(identity, vec![1, 2, 3]);
    }

    fn pending(span: &str, order: u64) -> PendingEvent {
        let event = Event::new("t".into(), span.into(), "otlp_json", "f".into(), 1);
        PendingEvent {
            event,
            clues: Default::default(),
            order: (0, order),
            attach_to: None,
        }
    }

    #[test]
    fn the_first_copy_of_a_span_in_input_order_is_kept_and_the_others_reported() {
        let mut conflicting = pending("s", 3);
        conflicting.event.name = "other".into();
        // The same record again, from another line.
        let mut again = pending("s", 4);
        again.event.source_line = 4;
        // As a spill gives them: not in input order.
        let mut read = [again, pending("u", 2), conflicting, pending("s", 1)];
        let trace = assemble_trace(read.iter_mut().collect(), |_| {});
        let kept: Vec<(&str, u32)> = trace
            .events
            .iter()
            .map(|e| (e.span_id.as_str(), e.source_line))
            .collect();
        assert_eq!(kept, [("s", 1), ("u", 1)]);
        assert_eq!(trace.repaired.len(), 1);
        assert_eq!(trace.repaired[0].reason, "duplicate_record");
        assert_eq!(trace.dropped.len(), 1);
        assert_eq!(trace.dropped[0].reason, "duplicate_span_id");
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let parent: Vec<Option<usize>> = (0..200_000usize).map(|i| i.checked_sub(1)).collect();
        let (order, depth) = topological_order(&parent);
        assert_eq!(order.len(), 200_000);
        assert_eq!(depth[199_999], 199_999);
    }
}
