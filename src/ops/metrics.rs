//! Request counts and latencies by route, kept in memory and written out in Prometheus'
//! text format. Each instance keeps its own: Prometheus scrapes every instance and sums.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Counts per bucket (not cumulative; summed when written out).
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    in_flight: AtomicI64,
}

/// Counts a request as in flight until dropped, so a panicking handler still leaves.
pub struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Database pool figures at the time of the scrape.
pub struct PoolUse {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

impl Metrics {
    pub fn start(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut routes = match self.routes.lock() {
            Ok(r) => r,
            // A panic while holding the lock leaves plain counters, still usable.
            Err(poisoned) => poisoned.into_inner(),
        };
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.by_status.entry(status).or_default() += 1;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            stats.buckets[i] += 1;
        }
        stats.sum_seconds += seconds;
        stats.count += 1;
    }

    /// The Prometheus text exposition of everything recorded so far.
    pub fn render(&self, pool: PoolUse, resident_bytes: Option<u64>) -> String {
        let routes = match self.routes.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut out = String::new();
        out.push_str("# HELP plan_portal_http_requests_total HTTP requests answered, by method, route and status.\n");
        out.push_str("# TYPE plan_portal_http_requests_total counter\n");
        for ((method, route), stats) in routes.iter() {
            for (status, n) in &stats.by_status {
                let _ = writeln!(
                    out,
                    "plan_portal_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                    label(method),
                    label(route)
                );
            }
        }
        out.push_str("# HELP plan_portal_http_request_duration_seconds Time from request to response head.\n");
        out.push_str("# TYPE plan_portal_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{}\",route=\"{}\"", label(method), label(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(stats.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "plan_portal_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "plan_portal_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "plan_portal_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "plan_portal_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        let _ = write!(
            out,
            "# HELP plan_portal_http_requests_in_flight Requests being answered now.\n\
             # TYPE plan_portal_http_requests_in_flight gauge\n\
             plan_portal_http_requests_in_flight {}\n\
             # HELP plan_portal_db_pool_connections Database connections held by this instance.\n\
             # TYPE plan_portal_db_pool_connections gauge\n\
             plan_portal_db_pool_connections{{state=\"idle\"}} {}\n\
             plan_portal_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP plan_portal_db_pool_max_connections The pool's limit.\n\
             # TYPE plan_portal_db_pool_max_connections gauge\n\
             plan_portal_db_pool_max_connections {}\n",
            self.in_flight.load(Ordering::Relaxed),
            pool.idle,
            pool.size.saturating_sub(pool.idle),
            pool.max
        );
        if let Some(bytes) = resident_bytes {
            let _ = write!(
                out,
                "# HELP plan_portal_process_resident_memory_bytes Resident memory of this process.\n\
                 # TYPE plan_portal_process_resident_memory_bytes gauge\n\
                 plan_portal_process_resident_memory_bytes {bytes}\n"
            );
        }
        out
    }
}

/// A label value with Prometheus' three escapes.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// This process's resident set size, from /proc (Linux only).
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no memory-safety preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.record("GET", "/a", 200, Duration::from_millis(1));
        m.record("GET", "/a", 200, Duration::from_millis(30));
        m.record("GET", "/a", 404, Duration::from_secs(20));
        m.record("POST", "/b\"x", 303, Duration::from_millis(3));
        let text = m.render(
            PoolUse {
                size: 3,
                idle: 1,
                max: 20,
            },
            None,
        );
        assert!(text.contains(
            "plan_portal_http_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "plan_portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.002\"} 1"
        ));
        assert!(text.contains(
            "plan_portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "plan_portal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("route=\"/b\\\"x\""));
        assert!(text.contains("plan_portal_db_pool_connections{state=\"in_use\"} 2"));
    }
}
