//! Output files written whole or not at all. Each is written to a
//! temporary file in the target's folder (so the rename stays on one file
//! system), flushed to disk, and renamed over the target only when complete:
//! a kill, Ctrl-C, a full disk or an error leaves the previous file as it
//! was and no partial one. The temporary file is named
//! `.NAME.tracelint-XXXXXX.EXT` and locked while written; one left by a
//! killed run is removed by the next run that writes NAME.
//!
//! Imports only the leaf `cleanup`.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cleanup;

pub struct OutputFile {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    _registered: cleanup::Registered,
}

impl OutputFile {
    /// A temporary file for `target`, with its extension (some writers,
    /// like the PNG encoder, choose the format by it). A target that is a
    /// symbolic link is written where it points, the link kept; one that is
    /// not a regular file (a device, `/dev/stdout`, a pipe) is refused: a
    /// rename would replace it.
    pub fn create(target: &Path) -> Result<OutputFile> {
        let resolved;
        let target = match std::fs::metadata(target) {
            Ok(meta) if !meta.is_file() => {
                anyhow::bail!("cannot write {}: not a regular file", target.display())
            }
            Ok(_) => {
                resolved = target
                    .canonicalize()
                    .with_context(|| format!("cannot write {}", target.display()))?;
                resolved.as_path()
            }
            Err(_) => target,
        };
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .with_context(|| format!("{} names no file", target.display()))?
            .to_string_lossy()
            .into_owned();
        let prefix = format!(".{name}.tracelint-");
        remove_stale(dir, &prefix);
        let suffix = target
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(&suffix);
        #[cfg(unix)]
        builder.permissions(permissions_for(target));
        let temp = builder
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        // Held until the file is renamed or removed: a run that finds it
        // unlocked knows its writer is gone.
        let _ = temp.as_file().try_lock();
        let registered = cleanup::register(temp.path());
        Ok(OutputFile {
            temp,
            target: target.to_path_buf(),
            _registered: registered,
        })
    }

    /// The temporary file, to write to.
    pub fn file(&mut self) -> &mut File {
        self.temp.as_file_mut()
    }

    /// The temporary file's path, for writers that open by path.
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// Flushes the file to disk and renames it over the target.
    pub fn commit(mut self) -> Result<()> {
        let target = self.target.clone();
        let fail = || format!("cannot write {}", target.display());
        self.temp.as_file_mut().flush().with_context(fail)?;
        self.temp.as_file().sync_all().with_context(fail)?;
        self.temp
            .persist(&self.target)
            .map_err(|e| e.error)
            .with_context(fail)?;
        Ok(())
    }
}

/// The mode the file gets: the replaced file's, or what creating a file
/// gives (0666 less the umask), not the 0600 of a temporary file.
#[cfg(unix)]
fn permissions_for(target: &Path) -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(target)
        .map(|meta| meta.permissions())
        .unwrap_or_else(|_| std::fs::Permissions::from_mode(0o666))
}

/// Writes `bytes` to `target` whole or not at all.
pub fn write(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut out = OutputFile::create(target)?;
    out.file()
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", target.display()))?;
    out.commit()
}

/// Removes the temporary files of earlier writes of the same target whose
/// writer is gone (their lock is free).
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix) {
            continue;
        }
        let path = entry.path();
        let abandoned = File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if abandoned {
            let _ = std::fs::remove_file(&path);
        }
    }
}
