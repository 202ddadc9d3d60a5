//! Live log entries: every entry handed to the pipeline is also offered to
//! the streams watching (`GET /api/projects/{id}/logs/stream`), before it is
//! stored. Nobody watching costs one atomic read per request. Streams are
//! bounded: [`MAX_STREAMS_PER_USER`] per user and [`MAX_STREAMS`] in all, and
//! a stream that falls [`BACKLOG`] entries behind is told so and skips ahead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mockbird_core::model::RequestLog;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Open log streams one user may hold.
pub(crate) const MAX_STREAMS_PER_USER: usize = 4;
/// Open log streams in the whole process.
pub(crate) const MAX_STREAMS: usize = 512;
/// Entries a stream may fall behind before it skips ahead.
pub(crate) const BACKLOG: usize = 1024;

/// The broadcast of new entries and the count of open streams.
#[derive(Debug)]
pub(crate) struct Live {
    sender: broadcast::Sender<Arc<RequestLog>>,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BACKLOG).0,
            open: Arc::default(),
        }
    }
}

/// One open stream: its receiver, and its place, given back on drop.
#[derive(Debug)]
pub(crate) struct Watch {
    /// New entries of every project (filter by project).
    pub(crate) entries: broadcast::Receiver<Arc<RequestLog>>,
    _slot: Slot,
}

#[derive(Debug)]
struct Slot {
    user: Uuid,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

impl Live {
    /// Offers `entry` to the open streams.
    pub(crate) fn offer(&self, entry: &RequestLog) {
        if self.sender.receiver_count() > 0 {
            let _ = self.sender.send(Arc::new(entry.clone()));
        }
    }

    /// Opens a stream for `user`, or `None` when the user or the process
    /// holds as many as allowed.
    pub(crate) fn watch(&self, user: Uuid) -> Option<Watch> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = open.values().sum();
        let mine = open.entry(user).or_insert(0);
        if *mine >= MAX_STREAMS_PER_USER || total >= MAX_STREAMS {
            if *mine == 0 {
                open.remove(&user);
            }
            return None;
        }
        *mine += 1;
        Some(Watch {
            entries: self.sender.subscribe(),
            _slot: Slot {
                user,
                open: self.open.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_their_share_and_gets_it_back() {
        let live = Live::default();
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let held: Vec<_> = (0..MAX_STREAMS_PER_USER)
            .map(|_| live.watch(a).unwrap())
            .collect();
        assert!(live.watch(a).is_none());
        assert!(live.watch(b).is_some(), "another user still gets in");
        drop(held);
        assert!(live.watch(a).is_some());
        assert!(live.open.lock().unwrap().is_empty() || live.open.lock().unwrap()[&a] == 1);
    }
}
