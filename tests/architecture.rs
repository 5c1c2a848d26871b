//! The layers of DESIGN.md §1, checked on the source: which module imports
//! which, read from the `use` lines and the paths in the code (comments,
//! strings and `#[cfg(test)]` modules left out; `mod` declarations are not
//! imports). Issue 17 made the house match the design; this keeps it so.
//!
//! - `src/ingest` imports nothing of `store`, `pipeline`, `detect`, `report`,
//!   `cli`; `store`, `detect`, `report`, `summary` and `eval` import nothing
//!   of `ingest` or `pipeline`; only `cli` imports `serve` (the live guard);
//!   nothing below `cli` imports `cli`.
//! - Among the files of `src/ingest` there is no import cycle, no file
//!   imports its parent's `mod.rs` (shared types and helpers live in files
//!   of their own), and a `mod.rs` only declares and re-exports children.
//!
//! `cargo test --test architecture -- --nocapture` prints the graph's size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path below the crate root: `["ingest", "formats"]`.
type ModPath = Vec<String>;

struct Module {
    file: PathBuf,
    /// Source with comments, strings and test modules blanked out.
    code: String,
    is_mod_rs: bool,
}

fn modules() -> BTreeMap<ModPath, Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let rel = file.strip_prefix(&src).unwrap().with_extension("");
            let mut path: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let is_mod_rs = path.last().is_some_and(|l| l == "mod");
            if is_mod_rs {
                path.pop();
            }
            if path == ["lib"] || path == ["main"] {
                return None;
            }
            let code = without_tests(&blank_comments_and_strings(
                &std::fs::read_to_string(&file).unwrap(),
            ));
            Some((
                path,
                Module {
                    file,
                    code,
                    is_mod_rs,
                },
            ))
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Comments, string and char literals replaced by spaces (newlines kept),
/// so that neither a path in a doc comment nor a brace in a string counts.
fn blank_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            loop {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(&c, i) {
            // r"..", r#".."#, br#".."#: ends at a quote and as many hashes.
            let open = c[i..].iter().position(|&ch| ch == '"').unwrap() + i;
            for &ch in &c[i..=open] {
                blank(&mut out, ch);
            }
            i = open + 1;
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| c.get(i + k) == Some(&'#')))
            {
                blank(&mut out, c[i]);
                i += 1;
            }
            for _ in 0..=hashes {
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if c[i] == '"' || (c[i] == 'b' && next == Some('"') && !ident_char(&c, i)) {
            if c[i] == 'b' {
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            let end = if next == Some('\\') {
                c[i + 2..]
                    .iter()
                    .position(|&ch| ch == '\'')
                    .map(|p| p + i + 2)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &ch in &c[i..=end] {
                        blank(&mut out, ch);
                    }
                    i = end + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Whether the character before `i` continues an identifier (so `b"` at
/// `i` is not a byte string's start).
fn ident_char(c: &[char], i: usize) -> bool {
    i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

/// At a raw string's start (`r"`, `r#"`, `br#"`), how many hashes it has.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    if ident_char(c, i) {
        return None;
    }
    let mut j = i;
    if c[j] == 'b' {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = c[j..].iter().take_while(|&&ch| ch == '#').count();
    (c.get(j + hashes) == Some(&'"')).then_some(hashes)
}

/// The code without `#[cfg(test)]` items (test modules use what they test).
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let body_open = out[at..].find('{').map(|p| p + at);
        let item_end = out[at..].find(';').map(|p| p + at);
        let end = match (body_open, item_end) {
            // `#[cfg(test)] use x;` or `#[cfg(test)] mod tests;`
            (Some(open), Some(semi)) if semi < open => semi + 1,
            (Some(open), _) => {
                let mut depth = 0;
                let mut end = out.len();
                for (k, ch) in out[open..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(semi)) => semi + 1,
            (None, None) => out.len(),
        };
        out.replace_range(at..end, "");
    }
    out
}

/// The paths a `use` tree names: `a::{b, c::{self, d}}` gives `a::b`,
/// `a::c`, `a::c::d`. A trailing `*` or `as` alias is dropped.
fn use_paths(tree: &str) -> Vec<Vec<String>> {
    fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = segments(&tree[..open]);
            let inner = &tree[open + 1..tree.rfind('}').unwrap()];
            let mut base = prefix.to_vec();
            base.extend(head);
            let mut depth = 0;
            let mut start = 0;
            for (k, ch) in inner.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&base, &inner[start..k], out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            expand(&base, &inner[start..], out);
        } else {
            let mut path = prefix.to_vec();
            let tree = tree.split(" as ").next().unwrap();
            path.extend(segments(tree));
            if path.last().is_some_and(|s| s == "self") {
                path.pop();
            }
            out.push(path);
        }
    }
    let mut out = Vec::new();
    expand(&[], tree, &mut out);
    out
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
        .map(str::to_string)
        .collect()
}

/// The module a path (as written in module `at`) lands in: the deepest
/// module of the crate it walks through. `None` for other crates.
fn resolve(
    modules: &BTreeMap<ModPath, Module>,
    at: &ModPath,
    aliases: &BTreeMap<String, ModPath>,
    path: &[String],
) -> Option<ModPath> {
    let (mut current, rest): (ModPath, &[String]) = match path.first()?.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (at.clone(), &path[1..]),
        "super" => {
            let mut current = at.clone();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                current.pop();
                rest = &rest[1..];
            }
            (current, rest)
        }
        first => {
            let mut child = at.clone();
            child.push(first.to_string());
            if modules.contains_key(&child) {
                (child, &path[1..])
            } else {
                (aliases.get(first)?.clone(), &path[1..])
            }
        }
    };
    for segment in rest {
        let mut next = current.clone();
        next.push(segment.clone());
        if !modules.contains_key(&next) {
            break;
        }
        current = next;
    }
    (!current.is_empty()).then_some(current)
}

/// Each module's imports: the modules its `use` lines and paths land in.
fn import_graph(modules: &BTreeMap<ModPath, Module>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let use_item = regex::Regex::new(r"(?s)\buse\s+([^;]+);").unwrap();
    let inline =
        regex::Regex::new(r"\b([a-z_][a-z0-9_]*)((?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)").unwrap();
    let mut graph = BTreeMap::new();
    for (at, module) in modules {
        let mut aliases = BTreeMap::new();
        let mut targets = BTreeSet::new();
        let mut paths = Vec::new();
        for capture in use_item.captures_iter(&module.code) {
            for path in use_paths(&capture[1]) {
                if let Some(target) = resolve(modules, at, &BTreeMap::new(), &path) {
                    if let Some(last) = path.last() {
                        if modules.contains_key(&target) && target.last() == Some(last) {
                            aliases.insert(last.clone(), target.clone());
                        }
                    }
                }
                paths.push(path);
            }
        }
        let code_without_uses = use_item.replace_all(&module.code, "");
        for capture in inline.captures_iter(&code_without_uses) {
            let mut path = vec![capture[1].to_string()];
            path.extend(segments(&capture[2]));
            paths.push(path);
        }
        for path in paths {
            if let Some(target) = resolve(modules, at, &aliases, &path) {
                if &target != at {
                    targets.insert(target);
                }
            }
        }
        graph.insert(at.clone(), targets);
    }
    graph
}

fn under(path: &ModPath, top: &str) -> bool {
    path.first().is_some_and(|f| f == top)
}

fn name(path: &ModPath) -> String {
    path.join("::")
}

#[test]
fn layers_import_in_one_direction() {
    let modules = modules();
    let graph = import_graph(&modules);
    // (importing layer, layers it must not import)
    let rules: [(&str, &[&str]); 8] = [
        (
            "ingest",
            &[
                "store", "pipeline", "detect", "report", "cli", "summary", "eval", "serve",
            ],
        ),
        (
            "store",
            &["ingest", "pipeline", "detect", "report", "cli", "serve"],
        ),
        (
            "pipeline",
            &["detect", "report", "cli", "summary", "eval", "serve"],
        ),
        ("detect", &["ingest", "pipeline", "report", "cli", "serve"]),
        ("report", &["ingest", "pipeline", "cli", "serve"]),
        ("summary", &["ingest", "pipeline", "cli", "serve"]),
        ("eval", &["ingest", "pipeline", "cli", "serve"]),
        // The live guard sits under the commands only.
        ("serve", &["cli", "summary", "eval"]),
    ];
    let mut wrong = Vec::new();
    for (from, targets) in &graph {
        for (layer, forbidden) in rules {
            if !under(from, layer) {
                continue;
            }
            for target in targets {
                if forbidden.iter().any(|f| under(target, f)) {
                    wrong.push(format!("{} imports {}", name(from), name(target)));
                }
            }
        }
        if !under(from, "cli") {
            for target in targets.iter().filter(|t| under(t, "cli")) {
                wrong.push(format!("{} imports {}", name(from), name(target)));
            }
        }
    }
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    println!("{} modules, {edges} imports", graph.len());
    assert!(
        wrong.is_empty(),
        "imports against DESIGN.md §1:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn ingest_has_no_import_cycle_and_no_child_imports_its_parent() {
    let modules = modules();
    let graph = import_graph(&modules);
    let ingest: BTreeMap<&ModPath, Vec<&ModPath>> = graph
        .iter()
        .filter(|(m, _)| under(m, "ingest"))
        .map(|(m, t)| (m, t.iter().filter(|t| under(t, "ingest")).collect()))
        .collect();

    let mut wrong = Vec::new();
    for (from, targets) in &ingest {
        for target in targets {
            // An ancestor's own file: `crate::ingest::X` from inside ingest.
            if from.len() > target.len() && from.starts_with(target) {
                wrong.push(format!(
                    "{} imports its ancestor's {}",
                    name(from),
                    modules[*target].file.display()
                ));
            }
        }
    }
    for cycle in cycles(&ingest) {
        let names: Vec<String> = cycle.iter().map(|m| name(m)).collect();
        wrong.push(format!("import cycle: {}", names.join(" -> ")));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn ingest_mod_files_only_declare_and_re_export() {
    let item = regex::Regex::new(
        r"(?s)^\s*(?:#\[[^\]]*\]\s*)*(?:pub(?:\([^)]*\))?\s+)?(?:mod\s+\w+\s*;|use\s+[^;]+;)",
    )
    .unwrap();
    let private_use = regex::Regex::new(r"^\s*(?:#\[[^\]]*\]\s*)*use\s").unwrap();
    let mut wrong = Vec::new();
    for (path, module) in modules() {
        if !under(&path, "ingest") || !module.is_mod_rs {
            continue;
        }
        let mut rest = module.code.as_str();
        while let Some(found) = item.find(rest) {
            if private_use.is_match(found.as_str()) {
                wrong.push(format!(
                    "{}: a private `use` ({})",
                    module.file.display(),
                    found.as_str().trim()
                ));
            }
            rest = &rest[found.end()..];
        }
        if !rest.trim().is_empty() {
            let line: String = rest.trim().lines().next().unwrap_or_default().into();
            wrong.push(format!(
                "{}: more than declarations and re-exports, from `{line}`",
                module.file.display()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles<'a>(graph: &BTreeMap<&'a ModPath, Vec<&'a ModPath>>) -> Vec<Vec<&'a ModPath>> {
    struct State<'a> {
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        found: Vec<Vec<&'a ModPath>>,
    }
    fn visit<'a>(
        node: &'a ModPath,
        graph: &BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
        s: &mut State<'a>,
    ) {
        let i = s.index.len();
        s.index.insert(node, i);
        s.low.insert(node, i);
        s.stack.push(node);
        s.on_stack.insert(node);
        for &next in graph.get(node).into_iter().flatten() {
            if !s.index.contains_key(next) {
                visit(next, graph, s);
                let low = s.low[node].min(s.low[next]);
                s.low.insert(node, low);
            } else if s.on_stack.contains(next) {
                let low = s.low[node].min(s.index[next]);
                s.low.insert(node, low);
            }
        }
        if s.low[node] == s.index[node] {
            let mut component = Vec::new();
            while let Some(top) = s.stack.pop() {
                s.on_stack.remove(top);
                component.push(top);
                if top == node {
                    break;
                }
            }
            if component.len() > 1 {
                component.reverse();
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &node in graph.keys() {
        if !state.index.contains_key(node) {
            visit(node, graph, &mut state);
        }
    }
    state.found
}

#[test]
fn the_checker_reads_uses_paths_and_literals() {
    assert_eq!(
        use_paths("super::{a, b::{self, c}, d as e}"),
        vec![
            vec!["super".to_string(), "a".into()],
            vec!["super".to_string(), "b".into()],
            vec!["super".to_string(), "b".into(), "c".into()],
            vec!["super".to_string(), "d".into()],
        ]
    );
    let code =
        "let s = \"crate::ingest\"; // crate::store\nlet r = r#\"{\"#; let c = '{'; fn f<'a>() {}";
    let blanked = blank_comments_and_strings(code);
    assert!(!blanked.contains("crate::"), "{blanked}");
    assert_eq!(blanked.matches('{').count(), 1, "{blanked}");
    assert!(blanked.contains("<'a>"));
    let tests =
        without_tests("fn a() {}\n#[cfg(test)]\nmod tests { use super::*; fn b() { } }\nfn c() {}");
    assert!(
        !tests.contains("super") && tests.contains("fn c"),
        "{tests}"
    );
}
