//! What a caller asks of ingest: excerpt length, record size limit, a forced
//! format, a progress bar.

use super::format::Format;

#[derive(Clone, Copy)]
pub struct IngestOptions {
    /// Characters of each input and output text kept as its excerpt.
    pub excerpt_chars: usize,
    /// Largest record (a line, or a whole document) read; larger ones are
    /// skipped with reason `record_too_large`.
    pub max_record_bytes: usize,
    /// A format forced with `--format`; sniffed per file when `None`.
    pub format: Option<&'static dyn Format>,
    /// Show a progress bar on stderr (a terminal, and not `--quiet`).
    pub progress: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            excerpt_chars: 512,
            max_record_bytes: 256 << 20,
            format: None,
            progress: false,
        }
    }
}
