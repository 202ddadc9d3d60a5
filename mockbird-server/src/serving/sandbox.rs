//! The sandbox: a few dedicated threads where templates that outgrow the
//! inline budget are rendered, so that a heavy render never holds one of the
//! async workers that serve every tenant.
//!
//! A render is first tried on the request's worker under
//! [`Budget::INLINE`](mockbird_core::template::Budget::INLINE) (a few
//! milliseconds at most); only one that runs out of it comes here, to be
//! rendered again under the full budget. The queue is bounded: when it is
//! full the answer is 503 at once rather than a wait. The threads have a
//! large stack of their own (16 MiB), far above what the nesting bound lets
//! a render use.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// Stack of each sandbox thread.
pub const SANDBOX_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Threads rendering heavy templates.
pub const SANDBOX_THREADS: usize = 1;

/// Heavy renders waiting for a sandbox thread; more are refused with 503.
pub const SANDBOX_QUEUE: usize = 32;

/// The sandbox threads and their queue.
#[derive(Debug)]
pub struct Sandbox {
    queue: SyncSender<Job>,
}

/// The sandbox's queue is full, or the job panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the template sandbox is busy")]
pub struct SandboxBusy;

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new(SANDBOX_THREADS, SANDBOX_QUEUE)
    }
}

impl Sandbox {
    /// Starts `threads` threads behind a queue of `queue` jobs. They end
    /// when the sandbox is dropped.
    pub fn new(threads: usize, queue: usize) -> Self {
        let (tx, rx) = sync_channel::<Job>(queue);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("mockbird-sandbox-{i}"))
                .stack_size(SANDBOX_STACK_BYTES)
                .spawn(move || work(&rx))
                .expect("the sandbox thread starts");
        }
        Sandbox { queue: tx }
    }

    /// Queues `f` for a sandbox thread at once (refused when the queue is
    /// full); the future resolves to its result.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Result<T, SandboxBusy>> + Send + 'static {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        let queued = match self.queue.try_send(job) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        };
        async move {
            if !queued {
                return Err(SandboxBusy);
            }
            rx.await.map_err(|_| SandboxBusy)
        }
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            rx.recv()
        };
        let Ok(job) = job else { return };
        // A panicking job drops its reply (the caller sees SandboxBusy); the
        // thread lives on.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_full_queue_refuses_at_once() {
        let sandbox = Sandbox::new(1, 1);
        assert_eq!(sandbox.run(|| 2 + 2).await, Ok(4));
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn(sandbox.run(move || hold_rx.recv().ok()));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // One job runs, one waits in the queue: the third is refused.
        let queued = tokio::spawn(sandbox.run(|| 1));
        assert_eq!(sandbox.run(|| 1).await, Err(SandboxBusy));
        hold_tx.send(()).unwrap();
        assert_eq!(blocker.await.unwrap(), Ok(Some(())));
        assert_eq!(queued.await.unwrap(), Ok(1));
        assert_eq!(
            sandbox.run(|| panic!("boom")).await,
            Err::<(), _>(SandboxBusy)
        );
        assert_eq!(
            sandbox.run(|| 5).await,
            Ok(5),
            "a panic does not kill the thread"
        );
    }
}
