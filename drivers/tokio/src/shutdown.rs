//! Graceful shutdown of a server: every open connection gets 1001 (going
//! away) and its close handshake, bounded in time.

use std::future::poll_fn;
use std::sync::{Arc, Mutex, Weak};
use std::task::Poll;
use std::time::Duration;

use wsmachine::CloseCode;

use crate::shared::Shared;

/// The connections a server started with this in its
/// [`Options::shutdown`](crate::Options::shutdown), to close them together.
///
/// ```no_run
/// # async fn f() {
/// use std::time::Duration;
/// let shutdown = wsmachine_tokio::GracefulShutdown::new();
/// let mut options = wsmachine_tokio::Options::default();
/// options.shutdown = Some(shutdown.clone());
/// // ... accept connections with `options` ...
/// let left = shutdown.shutdown(Duration::from_secs(5)).await;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct GracefulShutdown {
    inner: Arc<Mutex<Registry>>,
}

#[derive(Debug, Default)]
struct Registry {
    connections: Vec<Weak<Shared>>,
    closing: bool,
}

const REASON: &str = "server shutting down";

impl GracefulShutdown {
    /// A shutdown with no connection yet.
    pub fn new() -> Self {
        GracefulShutdown::default()
    }

    /// Adds a connection; one started after the shutdown began is closed at
    /// once.
    pub(crate) fn register(&self, shared: &Arc<Shared>) {
        let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if registry.closing {
            go_away(shared);
            return;
        }
        // Ended connections are pruned as new ones come, so the list stays
        // as long as the number of open ones, amortized.
        if registry.connections.len() == registry.connections.capacity() {
            registry.connections.retain(|w| w.strong_count() > 0);
        }
        registry.connections.push(Arc::downgrade(shared));
    }

    /// Sends every open connection a Close with 1001 and waits, at most
    /// `within`, until each has completed its close handshake and shut its
    /// transport down. Returns how many had not finished in time (their
    /// drivers go on until their own close timeout).
    pub async fn shutdown(&self, within: Duration) -> usize {
        let open: Vec<Arc<Shared>> = {
            let mut registry = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            registry.closing = true;
            registry
                .connections
                .drain(..)
                .filter_map(|w| w.upgrade())
                .collect()
        };
        for shared in &open {
            go_away(shared);
        }
        let all = async {
            for shared in &open {
                poll_fn(|cx| {
                    let mut inner = shared.lock();
                    if inner.finished {
                        return Poll::Ready(());
                    }
                    inner.wait(cx.waker());
                    Poll::Pending
                })
                .await;
            }
        };
        let _ = tokio::time::timeout(within, all).await;
        open.iter().filter(|s| !s.lock().finished).count()
    }
}

fn go_away(shared: &Shared) {
    let mut inner = shared.lock();
    let _ = inner.conn.close(CloseCode::GOING_AWAY, REASON);
    inner.wake_driver();
}
