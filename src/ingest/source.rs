//! Where records come from: paths expanded into input files (directories
//! recursively, globs, `-` for stdin), opened through gzip or zstd when their
//! first bytes say so. `framing` cuts what they hold into records.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Extensions picked up when a directory is walked; files named explicitly
/// are read whatever their name.
const TRACE_EXTENSIONS: [&str; 5] = ["json", "jsonl", "ndjson", "log", "txt"];
const COMPRESSED_EXTENSIONS: [&str; 2] = ["gz", "zst"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    Path(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::Path(p) => p.display().to_string(),
        }
    }
}

/// Expands the command-line paths. A path that names nothing is an error
/// (the user asked for it); a directory contributes its trace-like files in
/// sorted order, so runs are reproducible.
pub fn expand_inputs(paths: &[String]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for raw in paths {
        if raw == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(raw);
        if path.is_dir() {
            let mut found = Vec::new();
            walk_dir(path, &mut found)
                .with_context(|| format!("cannot read directory {}", path.display()))?;
            found.sort();
            inputs.extend(found.into_iter().map(Input::Path));
        } else if path.exists() {
            inputs.push(Input::Path(path.to_path_buf()));
        } else if raw.contains(['*', '?', '[']) {
            let matches: Vec<PathBuf> = glob::glob(raw)
                .with_context(|| format!("bad glob pattern {raw}"))?
                .filter_map(|entry| entry.ok())
                .filter(|p| p.is_file())
                .collect();
            if matches.is_empty() {
                bail!("no file matches {raw}");
            }
            inputs.extend(matches.into_iter().map(Input::Path));
        } else {
            bail!("{raw}: no such file or directory");
        }
    }
    Ok(inputs)
}

/// How many bytes of text the inputs hold, as far as can be told before
/// reading them: file sizes, compressed files counted at `COMPRESSION_RATIO`
/// times theirs (JSON traces typically compress 5 to 10 times). `None` when
/// an input is stdin, whose size is unknown.
pub fn estimated_text_bytes(inputs: &[Input]) -> Option<u64> {
    /// What a compressed input is assumed to expand to.
    const COMPRESSION_RATIO: u64 = 6;
    let mut total = 0u64;
    for input in inputs {
        let Input::Path(path) = input else {
            return None;
        };
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut magic = [0u8; 4];
        let compressed = File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && (magic.starts_with(&[0x1f, 0x8b]) || magic == [0x28, 0xb5, 0x2f, 0xfd]);
        total += if compressed {
            size * COMPRESSION_RATIO
        } else {
            size
        };
    }
    Some(total)
}

fn walk_dir(dir: &Path, found: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if entry.file_type()?.is_dir() {
            walk_dir(&path, found)?;
        } else if looks_like_trace_file(&path) {
            found.push(path);
        }
    }
    Ok(())
}

fn looks_like_trace_file(path: &Path) -> bool {
    let ext = |p: &Path| {
        p.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let outer = ext(path);
    if COMPRESSED_EXTENSIONS.contains(&outer.as_str()) {
        let inner = ext(&path.with_extension(""));
        return TRACE_EXTENSIONS.contains(&inner.as_str());
    }
    TRACE_EXTENSIONS.contains(&outer.as_str())
}

/// Opens an input, decompressing gzip or zstd recognized by magic bytes
/// (extensions lie; stdin has none).
pub fn open(input: &Input) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = match input {
        Input::Stdin => Box::new(io::stdin()),
        Input::Path(p) => {
            Box::new(File::open(p).with_context(|| format!("cannot open {}", p.display()))?)
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, raw);
    let magic = reader.fill_buf()?;
    let decoded: Box<dyn BufRead + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(reader),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Box::new(BufReader::with_capacity(
            1 << 16,
            zstd::stream::read::Decoder::with_buffer(reader)?,
        ))
    } else {
        Box::new(reader)
    };
    Ok(decoded)
}
