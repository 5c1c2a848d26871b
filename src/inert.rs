//! Trace text made harmless for where it is shown. Trace text is untrusted:
//! a span name, an agent, a file name in a CI artifact can carry terminal
//! escape sequences (clear the screen, set the title, fake a hyperlink),
//! C1 controls, or the bidirectional overrides that make a line read other
//! than it is (Trojan Source, CVE-2021-42574). Human and line-based outputs
//! show each such character as a visible `\u{..}` escape; XML outputs
//! replace the characters XML 1.0 forbids; CSV cells that a spreadsheet
//! would run as a formula are neutralised the OWASP way.
//!
//! A leaf: imports nothing of the crate.

use std::borrow::Cow;

/// Bidirectional embeddings, overrides, isolates and marks.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

fn replace_where(text: &str, hostile: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hostile(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For a terminal, a Markdown comment or CI annotations: control characters
/// (C0 but newline and tab, DEL, C1) and bidi controls as `\u{1b}`-style
/// escapes. Newlines stay (tables wrap cells on them).
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    replace_where(text, |c| {
        (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
    })
}

/// As `for_terminal`, newlines escaped too: for text that must stay on its
/// line (a diagnostic on stderr).
pub fn for_line(text: &str) -> Cow<'_, str> {
    replace_where(text, |c| {
        (c.is_control() && c != '\t') || is_bidi_control(c)
    })
}

/// For XML 1.0 (JUnit, SVG): the characters it forbids (C0 but tab,
/// newline and CR; U+FFFE, U+FFFF) and, as for a terminal (these files are
/// read on one too), C1, DEL and bidi controls, as `\u{..}` text, so the
/// document stays well-formed and shows what the trace held. Markup
/// characters are the XML writer's to escape.
pub fn for_xml(text: &str) -> Cow<'_, str> {
    replace_where(text, |c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || matches!(c, '\u{fffe}' | '\u{ffff}')
            || is_bidi_control(c)
    })
}

/// For a CSV cell: a text starting with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with `'` so that a spreadsheet shows it instead of evaluating it
/// (OWASP, CSV Injection), and control and bidi characters are escaped as
/// for a terminal (CSV is printed on one too). Only for text columns:
/// numbers are written as numbers.
pub fn for_csv(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    match for_terminal(text) {
        shown if formula => Cow::Owned(format!("'{shown}")),
        shown => shown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_osc_sequences_become_visible() {
        let hostile = "trace_\u{1b}]0;PWNED\u{7}\u{1b}[2J \u{9b}31m \u{7f} a\u{202e}cba";
        assert_eq!(
            for_terminal(hostile),
            "trace_\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J \\u{9b}31m \\u{7f} a\\u{202e}cba"
        );
        assert_eq!(for_terminal("two\nlines\tand tab"), "two\nlines\tand tab");
        assert_eq!(for_line("two\nlines\r"), "two\\u{a}lines\\u{d}");
        assert!(matches!(for_terminal("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn xml_keeps_only_what_xml_allows() {
        assert_eq!(
            for_xml("a\u{1b}b\u{0}c\td\ne\u{ffff}"),
            "a\\u{1b}b\\u{0}c\td\ne\\u{ffff}"
        );
        assert_eq!(for_xml("é \u{9b}\u{202e}"), "é \\u{9b}\\u{202e}");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd"] {
            assert_eq!(for_csv(formula), format!("'{formula}"));
        }
        assert_eq!(for_csv("planner"), "planner");
        assert_eq!(for_csv("\rx"), "'\\u{d}x");
        assert_eq!(for_csv("=\u{1b}[31m"), "'=\\u{1b}[31m");
    }
}
