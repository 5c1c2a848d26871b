//! What a stretch of a trace cost, answered in O(log n) per question: the
//! tokens and money of its usage leaves (prefix sums) and its wall-clock
//! span (segment trees over start and end times). Built once per trace, on
//! the first finding that asks, so that a trace with thousands of findings
//! costs O(n log n), not O(findings × n).

use super::Row;

/// Sums and time bounds over ranges of a trace's rows (by position, which
/// is seq).
pub struct WasteIndex {
    /// tokens[i] = sum of counted tokens of rows before i; likewise the
    /// number of rows that count tokens, the cost, the rows that count cost.
    tokens: Vec<i64>,
    token_rows: Vec<u32>,
    cost: Vec<f64>,
    cost_rows: Vec<u32>,
    starts: MinTree,
    /// Ends (or starts when a row has no end), negated: the tree keeps minima.
    ends: MinTree,
}

/// What one range cost; None where no row of it says.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Waste {
    pub tokens: Option<i64>,
    pub cost_usd: Option<f64>,
    pub ms: Option<i64>,
}

impl WasteIndex {
    pub fn new(rows: &[Row]) -> WasteIndex {
        let n = rows.len();
        let mut index = WasteIndex {
            tokens: Vec::with_capacity(n + 1),
            token_rows: Vec::with_capacity(n + 1),
            cost: Vec::with_capacity(n + 1),
            cost_rows: Vec::with_capacity(n + 1),
            starts: MinTree::new(rows.iter().map(|r| r.start_ns.unwrap_or(i64::MAX))),
            ends: MinTree::new(
                rows.iter()
                    .map(|r| r.end_ns.or(r.start_ns).map_or(i64::MAX, |t| -t)),
            ),
        };
        let (mut tokens, mut token_rows, mut cost, mut cost_rows) = (0, 0, 0.0, 0);
        for row in rows {
            index.tokens.push(tokens);
            index.token_rows.push(token_rows);
            index.cost.push(cost);
            index.cost_rows.push(cost_rows);
            if let Some(t) = row.counted_tokens() {
                tokens += t;
                token_rows += 1;
            }
            if let Some(c) = row.counted_cost() {
                cost += c;
                cost_rows += 1;
            }
        }
        index.tokens.push(tokens);
        index.token_rows.push(token_rows);
        index.cost.push(cost);
        index.cost_rows.push(cost_rows);
        index
    }

    /// The cost of rows `first..=last` (positions, clamped to the trace).
    pub fn of(&self, first: usize, last: usize) -> Waste {
        let n = self.tokens.len() - 1;
        let (a, b) = (first.min(n), (last + 1).min(n));
        if a >= b {
            return Waste {
                tokens: None,
                cost_usd: None,
                ms: None,
            };
        }
        let tokens =
            (self.token_rows[b] > self.token_rows[a]).then(|| self.tokens[b] - self.tokens[a]);
        let cost_usd = (self.cost_rows[b] > self.cost_rows[a]).then(|| self.cost[b] - self.cost[a]);
        let start = self.starts.min(a, b);
        let end = self.ends.min(a, b);
        let ms = (start != i64::MAX && end != i64::MAX && -end >= start)
            .then(|| (-end - start) / 1_000_000);
        Waste {
            tokens,
            cost_usd,
            ms,
        }
    }
}

impl WasteIndex {
    /// What the union of `ranges` (inclusive seq ranges, overlapping or
    /// not) cost: each row counted once however many findings claim it, so
    /// the total is never more than the trace used. Time is the sum of the
    /// merged ranges' spans, at most the whole trace's.
    pub fn of_union(&self, ranges: &[[u32; 2]]) -> Waste {
        let mut ranges = ranges.to_vec();
        ranges.sort_unstable();
        let mut merged: Vec<[u32; 2]> = Vec::new();
        for [a, b] in ranges {
            match merged.last_mut() {
                Some(last) if a <= last[1].saturating_add(1) => last[1] = last[1].max(b),
                _ => merged.push([a, b]),
            }
        }
        let mut union = merged
            .into_iter()
            .map(|[a, b]| self.of(a as usize, b as usize))
            .fold(Waste::default(), Waste::plus);
        let n = self.tokens.len() - 1;
        if let (Some(ms), Some(whole)) = (
            union.ms,
            n.checked_sub(1).and_then(|last| self.of(0, last).ms),
        ) {
            union.ms = Some(ms.min(whole));
        }
        union
    }
}

impl Waste {
    /// The waste of two disjoint stretches (two ranges, two traces): each
    /// figure the sum of those that are known, unknown when neither is.
    pub fn plus(self, other: Waste) -> Waste {
        Waste {
            tokens: add(self.tokens, other.tokens),
            cost_usd: add(self.cost_usd, other.cost_usd),
            ms: add(self.ms, other.ms),
        }
    }
}

/// A sum of figures that may be unknown: known when either is.
fn add<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// A segment tree of minima over i64, iterative, 2n slots.
struct MinTree {
    n: usize,
    slots: Vec<i64>,
}

impl MinTree {
    fn new(values: impl ExactSizeIterator<Item = i64>) -> MinTree {
        let n = values.len();
        let mut slots = vec![i64::MAX; 2 * n];
        for (i, v) in values.enumerate() {
            slots[n + i] = v;
        }
        for i in (1..n).rev() {
            slots[i] = slots[2 * i].min(slots[2 * i + 1]);
        }
        MinTree { n, slots }
    }

    /// The minimum over positions `a..b`.
    fn min(&self, a: usize, b: usize) -> i64 {
        let (mut lo, mut hi) = (a + self.n, b + self.n);
        let mut best = i64::MAX;
        while lo < hi {
            if lo & 1 == 1 {
                best = best.min(self.slots[lo]);
                lo += 1;
            }
            if hi & 1 == 1 {
                hi -= 1;
                best = best.min(self.slots[hi]);
            }
            lo /= 2;
            hi /= 2;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: u32, tokens: i64, start_ms: i64) -> Row<'static> {
        let mut row = Row::for_tests(seq);
        row.input_tokens = Some(tokens);
        row.usage_leaf = true;
        row.start_ns = Some(start_ms * 1_000_000);
        row.end_ns = Some((start_ms + 10) * 1_000_000);
        row
    }

    #[test]
    fn overlapping_ranges_count_each_row_once() {
        let rows: Vec<Row> = (0..6).map(|i| row(i, 100, i as i64 * 100)).collect();
        let index = WasteIndex::new(&rows);
        // A turn limit's whole trace, a loop inside it, a cycle overlapping
        // the loop: 6 rows, not 6 + 3 + 3.
        let all = index.of_union(&[[0, 5], [1, 3], [2, 4]]);
        assert_eq!(all.tokens, Some(600));
        assert_eq!(all.ms, Some(510));
        // Disjoint ranges add up; adjacent ones merge.
        let apart = index.of_union(&[[4, 5], [0, 0], [1, 1]]);
        assert_eq!(apart.tokens, Some(400));
        assert_eq!(apart.ms, Some(110 + 110));
        assert_eq!(index.of_union(&[]).tokens, None);
    }

    #[test]
    fn range_minima_match_a_scan() {
        let values: Vec<i64> = (0..37).map(|i| (i * 7919 % 101) as i64 - 50).collect();
        let tree = MinTree::new(values.iter().copied());
        for a in 0..values.len() {
            for b in a + 1..=values.len() {
                assert_eq!(
                    tree.min(a, b),
                    *values[a..b].iter().min().unwrap(),
                    "{a}..{b}"
                );
            }
        }
    }
}
