//! The sandbox: a few dedicated threads where templates that outgrow the
//! inline budget are rendered, so that a heavy render never holds one of the
//! async workers that serve every tenant.
//!
//! A render is first tried on the request's worker under
//! [`Budget::INLINE`](mockbird_core::template::Budget::INLINE) (a few
//! milliseconds at most); only one that runs out of it comes here, to be
//! rendered again under the full budget. The queue is bounded: when it is
//! full the answer is 503 at once rather than a wait. One tenant (an
//! organization) holds at most [`SANDBOX_PER_TENANT`] of the places, so a
//! tenant that floods the sandbox is refused while the others still get in.
//! The threads have a large stack of their own (16 MiB), far above what the
//! nesting bound lets a render use.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use uuid::Uuid;

type Job = Box<dyn FnOnce() + Send>;

/// Stack of each sandbox thread.
pub(crate) const SANDBOX_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Threads rendering heavy templates.
pub(crate) const SANDBOX_THREADS: usize = 1;

/// Heavy renders waiting for a sandbox thread; more are refused with 503.
pub(crate) const SANDBOX_QUEUE: usize = 32;

/// Jobs one tenant may have queued or running at once; more are refused
/// with 503 for that tenant only.
pub(crate) const SANDBOX_PER_TENANT: usize = 4;

/// The sandbox threads and their queue.
#[derive(Debug)]
pub struct Sandbox {
    queue: SyncSender<Job>,
    per_tenant: usize,
    /// Jobs queued or running per tenant; only tenants with one are listed.
    held: Arc<Mutex<HashMap<Uuid, usize>>>,
}

/// One tenant's place in the sandbox, given back when dropped — after the
/// job ran, or with a job that was never queued.
struct Place {
    tenant: Uuid,
    held: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = held.get_mut(&self.tenant) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.tenant);
            }
        }
    }
}

/// The sandbox's queue is full, or the job panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the template sandbox is busy")]
pub struct SandboxBusy;

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new(SANDBOX_THREADS, SANDBOX_QUEUE, SANDBOX_PER_TENANT)
    }
}

impl Sandbox {
    /// Starts `threads` threads behind a queue of `queue` jobs, of which
    /// one tenant may hold `per_tenant`. The threads end when the sandbox is
    /// dropped.
    pub fn new(threads: usize, queue: usize, per_tenant: usize) -> Self {
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
        Sandbox {
            queue: tx,
            per_tenant: per_tenant.max(1),
            held: Arc::default(),
        }
    }

    /// Queues `f` for a sandbox thread on behalf of `tenant` at once —
    /// refused when the queue is full or the tenant already holds its share;
    /// the future resolves to its result.
    pub fn run<T: Send + 'static>(
        &self,
        tenant: Uuid,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> impl Future<Output = Result<T, SandboxBusy>> + Send + 'static {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued = match self.place(tenant) {
            None => false,
            Some(place) => {
                let job: Job = Box::new(move || {
                    let out = f();
                    drop(place);
                    let _ = tx.send(out);
                });
                match self.queue.try_send(job) {
                    Ok(()) => true,
                    Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
                }
            }
        };
        async move {
            if !queued {
                return Err(SandboxBusy);
            }
            rx.await.map_err(|_| SandboxBusy)
        }
    }

    /// A place for `tenant`, unless it holds its share already.
    fn place(&self, tenant: Uuid) -> Option<Place> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let n = held.entry(tenant).or_insert(0);
        if *n >= self.per_tenant {
            return None;
        }
        *n += 1;
        Some(Place {
            tenant,
            held: self.held.clone(),
        })
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(PoisonError::into_inner);
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
        let t = Uuid::new_v4();
        let sandbox = Sandbox::new(1, 1, 8);
        assert_eq!(sandbox.run(t, || 2 + 2).await, Ok(4));
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn(sandbox.run(t, move || hold_rx.recv().ok()));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // One job runs, one waits in the queue: the third is refused.
        let queued = tokio::spawn(sandbox.run(t, || 1));
        assert_eq!(sandbox.run(t, || 1).await, Err(SandboxBusy));
        hold_tx.send(()).unwrap();
        assert_eq!(blocker.await.unwrap(), Ok(Some(())));
        assert_eq!(queued.await.unwrap(), Ok(1));
        assert_eq!(
            sandbox.run(t, || panic!("boom")).await,
            Err::<(), _>(SandboxBusy)
        );
        assert_eq!(
            sandbox.run(t, || 5).await,
            Ok(5),
            "a panic does not kill the thread"
        );
        assert!(
            sandbox.held.lock().unwrap().is_empty(),
            "every place given back"
        );
    }

    #[tokio::test]
    async fn one_tenant_holds_its_share_and_no_more() {
        let (flood, other) = (Uuid::new_v4(), Uuid::new_v4());
        let sandbox = Sandbox::new(1, 16, 2);
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let running = tokio::spawn(sandbox.run(flood, move || hold_rx.recv().ok()));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // The flooding tenant has one running and one queued: its third is
        // refused although the queue has room …
        let queued = tokio::spawn(sandbox.run(flood, || 1));
        assert_eq!(sandbox.run(flood, || 1).await, Err(SandboxBusy));
        // … while another tenant still gets in.
        let others = tokio::spawn(sandbox.run(other, || 2));
        hold_tx.send(()).unwrap();
        assert_eq!(running.await.unwrap(), Ok(Some(())));
        assert_eq!(queued.await.unwrap(), Ok(1));
        assert_eq!(others.await.unwrap(), Ok(2));
        // Its places are given back once its jobs ran.
        assert_eq!(sandbox.run(flood, || 3).await, Ok(3));
        assert!(sandbox.held.lock().unwrap().is_empty());
    }
}
