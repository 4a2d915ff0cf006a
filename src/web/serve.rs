//! The portal's accept loop: HTTP/1 connections bounded in time (see `conn.rs`) and in
//! number, and a shutdown that cannot be held open by a client.
//!
//! When every slot is taken, the next connection is accepted and the connection that has
//! waited on its client the longest (a half-sent head, an idle keep-alive) is closed to make
//! room: clients that hold connections without using them cannot keep `/healthz` or anyone
//! else out, and a connection whose request is in a handler is never closed. Only when every
//! slot is working on a request does the portal stop accepting, and new clients wait in the
//! kernel's queue for the first to finish.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{AbortHandle, Id, JoinSet};
use tokio::time::Instant;

use super::conn::{self, Clock};

/// How long and how many connections may stay open, and how long shutdown waits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From the first byte of a request head to its end.
    pub header_read_timeout: Duration,
    /// The longest pause while a handler reads a request body. A pause, not a total: a
    /// 20 MiB upload over a slow link takes minutes but never pauses that long.
    pub body_read_timeout: Duration,
    /// No byte either way and no request in a handler: a silent new connection, an idle
    /// keep-alive one, or a client that stopped reading its response.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
    /// How long shutdown lets requests in flight finish before cancelling them.
    pub shutdown_grace: Duration,
}

/// Half the open-file limit (the rest is for PostgreSQL connections, files, the log), and
/// at most 4096: past that, a 2-core server is saturated anyway.
pub fn default_max_connections() -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given and nothing else.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    let files = if ok && limit.rlim_cur != libc::RLIM_INFINITY {
        usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    (files / 2).clamp(16, 4096)
}

/// The connection tasks, and the clocks of those not yet closed.
#[derive(Default)]
struct Open {
    tasks: JoinSet<()>,
    clocks: HashMap<Id, (AbortHandle, Arc<Clock>)>,
}

impl Open {
    fn len(&self) -> usize {
        self.clocks.len()
    }

    /// Closes the connection that has waited on its client the longest; false if every
    /// connection has a request in a handler.
    fn close_longest_waiting(&mut self) -> bool {
        let oldest = self
            .clocks
            .iter()
            .filter_map(|(id, (_, c))| c.waiting_since().map(|since| (since, *id)))
            .min();
        match oldest.and_then(|(_, id)| self.clocks.remove(&id)) {
            Some((task, _)) => {
                task.abort();
                true
            }
            None => false,
        }
    }

    /// Waits for a connection task to end.
    async fn reap(&mut self) {
        if let Some(ended) = self.tasks.join_next_with_id().await {
            let id = match ended {
                Ok((id, ())) => id,
                Err(e) => e.id(),
            };
            self.clocks.remove(&id);
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting, lets
/// requests in flight finish for `limits.shutdown_grace`, and cancels the rest.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let (stop, stopped) = watch::channel(false);
    let max = limits.max_connections.max(1);
    let mut open = Open::default();
    let mut full_logged = false;
    tokio::pin!(shutdown);
    'serving: loop {
        // Biased, shutdown first: a steady stream of connections must not starve it.
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            () = open.reap(), if !open.tasks.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(a) => a,
            Err(e) => {
                if !is_connection_error(&e) {
                    // Out of file descriptors, most likely: give connections a moment to
                    // close rather than spin.
                    tracing::error!(error = %e, "accepting a connection failed");
                    tokio::select! {
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                continue;
            }
        };
        if open.len() < max / 2 {
            full_logged = false;
        }
        while open.len() >= max {
            if !full_logged {
                tracing::warn!(
                    max,
                    "connection limit reached: closing the connections that wait longest"
                );
                full_logged = true;
            }
            if open.close_longest_waiting() {
                break;
            }
            // Every slot is working on a request: this connection waits for one, and those
            // after it wait in the kernel's queue. A request that ends may leave its
            // connection idle rather than closed, so look again shortly too.
            tokio::select! {
                () = &mut shutdown => break 'serving,
                () = open.reap() => {}
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
        let clock = Clock::new();
        let task = open.tasks.spawn(conn::serve(
            stream,
            remote,
            router.clone(),
            limits,
            Arc::clone(&clock),
            stopped.clone(),
        ));
        open.clocks.insert(task.id(), (task, clock));
    }
    // No new connections from here on: a client's connect is refused.
    drop(listener);
    let _ = stop.send(true);
    drain(&mut open, limits.shutdown_grace).await;
}

/// Lets connections finish (idle ones close at once) for `grace`, then cancels the rest.
async fn drain(open: &mut Open, grace: Duration) {
    if !open.tasks.is_empty() {
        tracing::info!(
            connections = open.tasks.len(),
            "letting requests in flight finish"
        );
    }
    let deadline = Instant::now() + grace;
    while !open.tasks.is_empty() {
        tokio::select! {
            () = open.reap() => {}
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(
                    connections = open.tasks.len(),
                    grace_secs = grace.as_secs(),
                    "requests still running after the grace period: cancelling them"
                );
                open.tasks.abort_all();
                while open.tasks.join_next().await.is_some() {}
            }
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
