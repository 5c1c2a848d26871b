//! Flat span attributes as every OTLP-family container carries them once
//! unpacked: dotted keys to scalar values. Sorted by key, so lookups are
//! binary searches and indexed families (`llm.output_messages.0.…`) are
//! contiguous ranges.

use std::borrow::Cow;

#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Arrays and maps, kept as compact JSON text.
    Json(String),
}

impl AttrValue<'_> {
    /// The value as text: strings as they are, numbers and booleans printed.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            AttrValue::Str(s) => Cow::Borrowed(s.as_ref()),
            AttrValue::Int(i) => Cow::Owned(i.to_string()),
            AttrValue::Float(f) => Cow::Owned(f.to_string()),
            AttrValue::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            AttrValue::Json(j) => Cow::Borrowed(j.as_str()),
        }
    }

    /// Integers also arrive as strings (`"intValue":"457"`, TRAIL's
    /// `"llm.token_count.prompt":"461"`) or as integral floats.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            AttrValue::Int(i) => Some(*i),
            AttrValue::Float(f) if f.is_finite() && f.fract() == 0.0 => Some(*f as i64),
            AttrValue::Str(s) => {
                let s = s.trim();
                s.parse::<i64>().ok().or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite() && f.fract() == 0.0)
                        .map(|f| f as i64)
                })
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Int(i) => Some(*i as f64),
            AttrValue::Float(f) if f.is_finite() => Some(*f),
            AttrValue::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Attrs<'a> {
    sorted: Vec<(Cow<'a, str>, AttrValue<'a>)>,
    /// A bit per key head (first two bytes) present. The dialects look up
    /// well over a hundred keys per span, most of them another dialect's and
    /// absent (`ai.*` on a GenAI span); this answers those without a binary
    /// search (they were 8% of `check`'s instructions). Kept for prefix
    /// lookups (`indexed`).
    heads: u64,
    /// A bit per whole key present, by its hash: a filter for the keys of
    /// the dialect the span is in, which share their head (`gen_ai.*`) and
    /// are mostly absent too (cost, tool and handoff keys on an LLM call).
    /// Those binary searches over long common prefixes were most of the
    /// 6.5% of `check`'s instructions spent in `Attrs::text`.
    keys: KeyFilter,
}

/// A Bloom filter of one bit per key in 256: with the 10 to 30 keys of a
/// span, about one absent key in 10 to 30 still takes the binary search.
#[derive(Clone, Copy, Debug, Default)]
struct KeyFilter([u64; 4]);

impl KeyFilter {
    /// The key's bit, from its length, last two bytes and middle byte:
    /// keys of one dialect differ there (`gen_ai.usage.input_tokens`,
    /// `gen_ai.request.model`), and reading three bytes is cheaper than
    /// hashing the key (with xxh3 the filter saved half as much).
    fn bit(key: &str) -> (usize, u64) {
        let bytes = key.as_bytes();
        let n = bytes.len();
        let at = |i: usize| u64::from(bytes.get(i).copied().unwrap_or(0));
        let mixed = (n as u64
            | at(n.wrapping_sub(1)) << 16
            | at(n.wrapping_sub(2)) << 24
            | at(n / 2) << 32)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((mixed >> 62) as usize, 1 << ((mixed >> 56) & 63))
    }

    fn insert(&mut self, key: &str) {
        let (word, bit) = KeyFilter::bit(key);
        self.0[word] |= bit;
    }

    fn may_contain(&self, key: &str) -> bool {
        let (word, bit) = KeyFilter::bit(key);
        self.0[word] & bit != 0
    }
}

/// The bit of `heads` that keys starting like `key` set.
fn head_bit(key: &str) -> u64 {
    let bytes = key.as_bytes();
    let head = u32::from(bytes.first().copied().unwrap_or(0))
        | u32::from(bytes.get(1).copied().unwrap_or(0)) << 8;
    1 << (head.wrapping_mul(0x9E37_79B9) >> 26)
}

impl<'a> Attrs<'a> {
    /// Builds the lookup from pairs in any order. For a key given twice the
    /// last one wins, as in OpenTelemetry SDKs.
    pub fn from_pairs(mut pairs: Vec<(Cow<'a, str>, AttrValue<'a>)>) -> Attrs<'a> {
        pairs.reverse();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        pairs.dedup_by(|later, earlier| later.0 == earlier.0);
        let mut heads = 0;
        let mut keys = KeyFilter::default();
        for (key, _) in &pairs {
            heads |= head_bit(key);
            keys.insert(key);
        }
        Attrs {
            sorted: pairs,
            heads,
            keys,
        }
    }

    /// The attributes with `key` set to `value` (replacing any value).
    pub fn with(mut self, key: &'a str, value: AttrValue<'a>) -> Attrs<'a> {
        self.heads |= head_bit(key);
        self.keys.insert(key);
        match self.sorted.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
            Ok(i) => self.sorted[i].1 = value,
            Err(i) => self.sorted.insert(i, (Cow::Borrowed(key), value)),
        }
        self
    }

    /// The attributes with every key and text owned, to outlive what they
    /// were read from.
    pub fn into_owned(self) -> Attrs<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        Attrs {
            sorted: self
                .sorted
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        AttrValue::Str(s) => AttrValue::Str(own(s)),
                        AttrValue::Int(i) => AttrValue::Int(i),
                        AttrValue::Float(f) => AttrValue::Float(f),
                        AttrValue::Bool(b) => AttrValue::Bool(b),
                        AttrValue::Json(j) => AttrValue::Json(j),
                    };
                    (own(k), v)
                })
                .collect(),
            heads: self.heads,
            keys: self.keys,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// `#[inline]`, like `text`, `int` and `float`: every dialect's file
    /// calls them per span, and they stay inlined only when marked so
    /// whichever codegen unit the caller lands in (callgrind, 10 MiB check:
    /// 852 M instructions without, 825 M with, once the dialects had files
    /// of their own).
    #[inline]
    pub fn get(&self, key: &str) -> Option<&AttrValue<'a>> {
        if self.heads & head_bit(key) == 0 || !self.keys.may_contain(key) {
            return None;
        }
        self.sorted
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .map(|i| &self.sorted[i].1)
    }

    /// Non-empty text of the first key present.
    #[inline]
    pub fn text(&self, keys: &[&str]) -> Option<Cow<'_, str>> {
        keys.iter()
            .filter_map(|k| self.get(k))
            .map(|v| v.as_text())
            .find(|t| !t.trim().is_empty())
    }

    #[inline]
    pub fn int(&self, keys: &[&str]) -> Option<i64> {
        keys.iter()
            .find_map(|k| self.get(k).and_then(AttrValue::as_i64))
    }

    #[inline]
    pub fn float(&self, keys: &[&str]) -> Option<f64> {
        keys.iter()
            .find_map(|k| self.get(k).and_then(AttrValue::as_f64))
    }

    /// Whether some key starts with `prefix` (a dialect's marker).
    #[inline]
    pub fn has_prefix(&self, prefix: &str) -> bool {
        if prefix.len() >= 2 && self.heads & head_bit(prefix) == 0 {
            return false;
        }
        let start = self.sorted.partition_point(|(k, _)| k.as_ref() < prefix);
        self.sorted
            .get(start)
            .is_some_and(|(k, _)| k.starts_with(prefix))
    }

    /// The values of an indexed family `{prefix}{i}{suffix}` in index order,
    /// e.g. `llm.output_messages.` + i + `.message.content`.
    pub fn indexed(&self, prefix: &str, suffix: &str) -> Vec<(u32, &AttrValue<'a>)> {
        // A prefix of two bytes or more is the head of the keys it starts.
        if prefix.len() >= 2 && self.heads & head_bit(prefix) == 0 {
            return Vec::new();
        }
        let start = self.sorted.partition_point(|(k, _)| k.as_ref() < prefix);
        let mut found: Vec<(u32, &AttrValue<'a>)> = self.sorted[start..]
            .iter()
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, v)| {
                let rest = &k[prefix.len()..];
                let (index, tail) = rest.split_once('.').map_or((rest, ""), |(i, t)| (i, t));
                let wanted = suffix.strip_prefix('.').unwrap_or(suffix);
                (tail == wanted).then(|| index.parse::<u32>().ok().map(|i| (i, v)))?
            })
            .collect();
        found.sort_by_key(|(i, _)| *i);
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&'static str, AttrValue<'static>)]) -> Attrs<'static> {
        Attrs::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn last_duplicate_wins_and_lookup_is_exact() {
        let a = attrs(&[
            ("b", AttrValue::Int(1)),
            ("a", AttrValue::Str("x".into())),
            ("b", AttrValue::Int(2)),
        ]);
        assert_eq!(a.get("b"), Some(&AttrValue::Int(2)));
        assert_eq!(a.text(&["missing", "a"]).as_deref(), Some("x"));
        assert_eq!(a.get("c"), None);
        let a = a.with("zz.key", AttrValue::Bool(true));
        assert_eq!(a.get("zz.key"), Some(&AttrValue::Bool(true)));
        assert_eq!(a.get("zz.other"), None);
        assert_eq!(a.get("b"), Some(&AttrValue::Int(2)));
    }

    #[test]
    fn every_key_present_is_found_past_the_filters() {
        let keys = [
            "gen_ai.operation.name",
            "gen_ai.request.model",
            "gen_ai.response.model",
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.output_tokens",
            "gen_ai.agent.name",
            "gen_ai.input.messages",
            "gen_ai.output.messages",
            "a",
            "",
        ];
        let pairs = keys
            .iter()
            .map(|k| (Cow::Borrowed(*k), AttrValue::Str(Cow::Borrowed(*k))))
            .collect();
        let a = Attrs::from_pairs(pairs).with("gen_ai.tool.name", AttrValue::Int(1));
        for key in keys {
            assert_eq!(a.get(key), Some(&AttrValue::Str(Cow::Borrowed(key))));
        }
        assert_eq!(a.get("gen_ai.tool.name"), Some(&AttrValue::Int(1)));
        for absent in ["gen_ai.usage.cost", "gen_ai.tool.call.arguments", "ab", "b"] {
            assert_eq!(a.get(absent), None);
        }
    }

    #[test]
    fn integers_are_read_from_strings_and_floats() {
        let a = attrs(&[
            ("s", AttrValue::Str(" 461 ".into())),
            ("f", AttrValue::Float(12.0)),
            ("g", AttrValue::Float(1.5)),
        ]);
        assert_eq!(a.int(&["s"]), Some(461));
        assert_eq!(a.int(&["f"]), Some(12));
        assert_eq!(a.int(&["g"]), None);
    }

    #[test]
    fn indexed_families_come_in_index_order() {
        let a = attrs(&[
            ("m.10.content", AttrValue::Str("ten".into())),
            ("m.2.content", AttrValue::Str("two".into())),
            ("m.2.role", AttrValue::Str("user".into())),
            ("m.x.content", AttrValue::Str("bad".into())),
        ]);
        let texts: Vec<String> = a
            .indexed("m.", ".content")
            .into_iter()
            .map(|(_, v)| v.as_text().into_owned())
            .collect();
        assert_eq!(texts, vec!["two", "ten"]);
    }
}
