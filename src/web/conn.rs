//! One HTTP/1 connection: the portal's router behind it, and the clocks that close it.
//!
//! hyper's own `header_read_timeout` starts when hyper begins waiting for a request head, so a
//! connection that sends nothing and an idle keep-alive connection are on the same clock as a
//! client that sends half a request line. One clock cannot give a browser's idle keep-alive
//! connection 30 s while giving a half-sent head 10 s, and it does not see a client that stops
//! reading its response at all. So hyper's is switched off and each connection keeps two:
//! - from the first byte of a request head until the head is complete: the header timeout;
//! - with no request in a handler, no byte read or written: the idle timeout (a silent new
//!   connection, an idle keep-alive connection, a response the client stopped reading).
//!
//! While a handler runs, neither applies: the request body has its own limit (the pause
//! between two pieces of it), and handlers bound their own waits on the database.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tower_http::timeout::TimeoutBody;

use super::serve::Limits;

/// The most a request head (request line and headers) may take in hyper's read buffer.
/// hyper's default is about 400 KiB per connection; with thousands of connections that is
/// memory an attacker chooses. A head over this is refused by hyper itself (431, no page).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What a connection is doing, as far as its clocks care.
pub(super) struct Clock {
    state: Mutex<State>,
    /// Woken when a deadline moves earlier (a head starts, a handler ends).
    changed: Notify,
}

struct State {
    /// A handler is working on a request from this connection.
    busy: bool,
    /// When the first byte of the request head now being read arrived.
    head_since: Option<Instant>,
    /// The last time a byte was read or written.
    last_io: Instant,
}

impl Clock {
    pub(super) fn new() -> Arc<Self> {
        Arc::new(Clock {
            state: Mutex::new(State {
                busy: false,
                head_since: None,
                last_io: Instant::now(),
            }),
            changed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few plain fields, valid whatever a panicking holder left.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) {
        let now = Instant::now();
        let mut s = self.lock();
        s.last_io = now;
        if !s.busy && s.head_since.is_none() {
            s.head_since = Some(now);
            drop(s);
            self.changed.notify_one();
        }
    }

    fn wrote(&self) {
        self.lock().last_io = Instant::now();
    }

    fn busy(self: &Arc<Self>) -> Busy {
        let mut s = self.lock();
        s.busy = true;
        s.head_since = None;
        s.last_io = Instant::now();
        Busy(Arc::clone(self))
    }

    /// Since when the connection has waited on its client, unless a handler is working for it:
    /// the longest waiting is the first to close when every slot is taken.
    pub(super) fn waiting_since(&self) -> Option<Instant> {
        let s = self.lock();
        (!s.busy).then(|| s.head_since.unwrap_or(s.last_io))
    }

    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        let s = self.lock();
        if s.busy {
            return None;
        }
        Some(match s.head_since {
            Some(since) => since + limits.header_read_timeout,
            None => s.last_io + limits.idle_timeout,
        })
    }
}

/// Held while a handler works on a request; the idle clock starts again when it ends.
struct Busy(Arc<Clock>);

impl Drop for Busy {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.busy = false;
        s.last_io = Instant::now();
        drop(s);
        self.0.changed.notify_one();
    }
}

/// The socket, telling the clock whenever bytes move.
struct Watched {
    stream: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.clock.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.clock.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.clock.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves one connection until the client closes it, a clock runs out, or shutdown: then
/// the request in a handler is finished and the connection closed (hyper's graceful
/// shutdown), unless the task is aborted first.
pub(super) async fn serve(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: Limits,
    clock: Arc<Clock>,
    mut stop: watch::Receiver<bool>,
) {
    let io = TokioIo::new(Watched {
        stream,
        clock: Arc::clone(&clock),
    });
    let app = TowerToHyperService::new(router);
    let body_pause = limits.body_read_timeout;
    let handlers = Arc::clone(&clock);
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let busy = handlers.busy();
        let mut req = req.map(|body| Body::new(TimeoutBody::new(body_pause, body)));
        req.extensions_mut().insert(ConnectInfo(remote));
        let answer = app.call(req);
        async move {
            let _busy = busy;
            answer.await
        }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.max_buf_size(MAX_HEAD_BYTES).header_read_timeout(None);
    let conn = http.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let deadline = clock.deadline(&limits);
        let changed = clock.changed.notified();
        let wake = deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400));
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, %remote, "connection ended with an error");
                }
                return;
            }
            _ = stop.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(wake), if deadline.is_some() => {
                // Bytes may have moved since: only a deadline still passed closes it.
                if clock.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%remote, "closing a connection whose client went quiet");
                    return;
                }
            }
            () = changed => {}
        }
    }
}
