//! Keeps the private PostgreSQL running: a thread owns the server, looks at it every second,
//! and starts it again if it died (crash recovery then runs from the write-ahead log).
//!
//! The thread that starts the server must outlive it, because the server's parent-death
//! signal follows that thread: so the watchdog thread both starts and stops it.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;

use super::private_pg::{PrivatePgError, PrivatePgOptions, PrivatePostgres};

pub struct Watchdog {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<Result<(), PrivatePgError>>>,
    options: PgConnectOptions,
    data_dir: PathBuf,
}

impl Watchdog {
    /// Starts the server (creating the cluster on first use) and returns once it accepts
    /// connections; from then on restarts it whenever it exits unasked.
    pub fn start(opts: PrivatePgOptions) -> Result<Self, PrivatePgError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("private-postgres".into())
            .spawn(move || {
                let pg = match PrivatePostgres::start(&opts) {
                    Ok(pg) => {
                        let _ = ready_tx.send(Ok((
                            pg.connect_options("postgres"),
                            pg.data_dir().to_path_buf(),
                        )));
                        pg
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return Ok(());
                    }
                };
                watch(pg, &opts, &stop_rx)
            })
            .map_err(|e| PrivatePgError::Command {
                what: "starting the PostgreSQL watchdog".into(),
                detail: e.to_string(),
            })?;
        let gone = || PrivatePgError::Command {
            what: "starting PostgreSQL".into(),
            detail: "the watchdog thread ended without an answer".into(),
        };
        let (options, data_dir) = ready_rx.recv().map_err(|_| gone())??;
        Ok(Watchdog {
            stop,
            thread: Some(thread),
            options,
            data_dir,
        })
    }

    /// Options for database `db` on the server.
    pub fn connect_options(&self, db: &str) -> PgConnectOptions {
        self.options.clone().database(db)
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Stops the server (fast shutdown) and waits for it.
    pub fn stop(mut self) -> Result<(), PrivatePgError> {
        let _ = self.stop.send(());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(PrivatePgError::Command {
                what: "stopping PostgreSQL".into(),
                detail: "the watchdog thread panicked".into(),
            }),
            None => Ok(()),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.stop.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn watch(
    mut pg: PrivatePostgres,
    opts: &PrivatePgOptions,
    stop: &mpsc::Receiver<()>,
) -> Result<(), PrivatePgError> {
    loop {
        match stop.recv_timeout(Duration::from_secs(1)) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return pg.stop(),
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Some(status) = pg.exit_status() else {
            continue;
        };
        tracing::error!(%status, "the private PostgreSQL exited unexpectedly; restarting it");
        // Its old backends may hold shared memory a moment longer: retried every second.
        match PrivatePostgres::start(opts) {
            Ok(restarted) => {
                tracing::info!("the private PostgreSQL is running again");
                pg = restarted;
            }
            Err(e) => tracing::error!(error = %e, "restarting the private PostgreSQL failed"),
        }
    }
}
