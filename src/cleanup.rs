//! What a run leaves on disk if it is stopped: temporary output files and
//! spill folders are registered here while they exist, and removed when the
//! run is interrupted (SIGINT, SIGTERM, SIGHUP) before it exits with
//! 128 + the signal. A panic unwinds through their owners, whose `Drop`
//! removes them; a SIGKILL leaves them, and the next run that writes to the
//! same place removes what no live run holds (see `output_file` and the
//! pipeline's spill).
//!
//! A leaf: imports nothing of the crate.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once, PoisonError};

static LIVE: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A path removed on interruption until this is dropped.
pub struct Registered(u64);

/// Registers `path` (a file or a folder) for removal on interruption.
pub fn register(path: &Path) -> Registered {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((id, path.to_path_buf()));
    Registered(id)
}

impl Drop for Registered {
    fn drop(&mut self) {
        LIVE.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(id, _)| *id != self.0);
    }
}

/// Starts the thread that cleans up on SIGINT, SIGTERM and SIGHUP and then
/// exits with 128 + the signal, as a shell reports a killed command. Once
/// per process; a no-op where signals cannot be caught.
pub fn on_interrupt_remove_registered() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
            else {
                return;
            };
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    remove_registered();
                    std::process::exit(128 + signal);
                }
            });
        }
    });
}

/// Removes every registered path now.
fn remove_registered() {
    let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
    for (_, path) in live.iter() {
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
    }
}
