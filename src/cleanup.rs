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
/// A long-running command's own stop (`serve`, `watch`): called on each
/// signal; `true` when it took care of it, `false` to exit as usual.
type StopHandler = Box<dyn Fn(i32) -> bool + Send>;
static STOP: Mutex<Option<StopHandler>> = Mutex::new(None);
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

/// Makes SIGINT, SIGTERM and SIGHUP call `stop` (with the signal) before
/// anything else: a server finishes its traces and writes what it holds.
/// When `stop` returns `false` (a second signal: the user insists), the
/// run cleans up and exits as usual.
pub fn on_interrupt_call(stop: impl Fn(i32) -> bool + Send + 'static) {
    *STOP.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(stop));
}

/// Starts the thread that cleans up on SIGINT, SIGTERM and SIGHUP and then
/// exits with 128 + the signal, as a shell reports a killed command, unless
/// the handler `on_interrupt_call` set takes the signal. Once per process;
/// a no-op where signals cannot be caught.
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
                for signal in signals.forever() {
                    let handled = STOP
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .as_ref()
                        .is_some_and(|stop| stop(signal));
                    if !handled {
                        remove_registered();
                        std::process::exit(128 + signal);
                    }
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
