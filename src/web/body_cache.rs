//! What a page shows apart from its reader, kept until the data it was computed from moves on:
//! dashboards, a report's page, a unit's to-do data and board by their plans' data versions
//! (`plan_data_versions`, bumped by triggers on every table they read); the 督办 ledger by that
//! plus `ledger_versions`; public pages by `catalog_version` (plan documents, units, names,
//! assignments, targets, milestones). Every instance keeps its own copy and checks the version
//! in PostgreSQL on each request, so a change made through any instance is seen by all: this is
//! a cache, not state. Each cache holds at most `MAX_ENTRIES`, and only what was computed
//! without error, so odd addresses cannot fill it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;

use crate::error::AppError;

/// A rendered body and its page title.
#[derive(Debug)]
pub struct Rendered {
    pub title: String,
    pub body: String,
}

/// When this many are kept, the less recently used half is dropped: filters make many keys,
/// most of them rare, and a reader trying odd filters must not push out everyone's overview.
const MAX_ENTRIES: usize = 256;

struct Entry<T> {
    version: i64,
    rendered: Arc<T>,
    /// The `clock` reading at the last use.
    used: u64,
}

struct Entries<T> {
    map: HashMap<String, Entry<T>>,
    clock: u64,
}

/// Kept values by key: rendered bodies unless said otherwise (a unit's duties, its to-do data
/// and a report's data are kept as rows).
pub struct Cache<T = Rendered> {
    entries: Mutex<Entries<T>>,
    /// One gate per key: when a version moves on, the first request computes the dashboard and
    /// the others wait for it, instead of all computing the same page at once.
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache {
            entries: Mutex::new(Entries {
                map: HashMap::new(),
                clock: 0,
            }),
            gates: Mutex::default(),
        }
    }
}

impl<T> Cache<T> {
    /// The entry for `key` if it was computed from data at least as new as `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<T>> {
        let mut entries = self.entries.lock().ok()?;
        entries.clock += 1;
        let now = entries.clock;
        let entry = entries.map.get_mut(key).filter(|e| e.version >= version)?;
        entry.used = now;
        Some(entry.rendered.clone())
    }

    /// The gate to hold while computing `key`.
    pub fn gate(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = match self.gates.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if gates.len() >= MAX_ENTRIES {
            // Only gates nobody holds or waits for are dropped.
            gates.retain(|_, g| Arc::strong_count(g) > 1);
        }
        gates.entry(key.to_string()).or_default().clone()
    }

    pub fn put(&self, key: String, version: i64, rendered: Arc<T>) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.map.len() >= MAX_ENTRIES && !entries.map.contains_key(&key) {
                let mut uses: Vec<u64> = entries.map.values().map(|e| e.used).collect();
                uses.sort_unstable();
                let median = uses[uses.len() / 2];
                entries.map.retain(|_, e| e.used > median);
            }
            // A slower computation from older data never replaces a newer one.
            let newer = entries.map.get(&key).is_some_and(|e| e.version > version);
            if !newer {
                entries.clock += 1;
                let used = entries.clock;
                entries.map.insert(
                    key,
                    Entry {
                        version,
                        rendered,
                        used,
                    },
                );
            }
        }
    }
}

impl<T> Cache<T> {
    /// The value kept under `key` for data at least as new as `version`, or else `compute`'s,
    /// computed once however many ask for it at the same time. `version` must be read before
    /// the data `compute` loads, so that what is kept is never older than its label.
    pub async fn get_or_compute<F, Fut>(
        &self,
        key: String,
        version: i64,
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        if let Some(r) = self.get(&key, version) {
            return Ok(r);
        }
        let gate = self.gate(&key);
        let _held = gate.lock().await;
        // Computed by whoever held the gate before us?
        if let Some(r) = self.get(&key, version) {
            return Ok(r);
        }
        let rendered = Arc::new(compute().await?);
        self.put(key, version, rendered.clone());
        Ok(rendered)
    }
}

/// The data version of a set of plans: the sum of their versions, each of which only grows,
/// so the sum moves whenever one of them does.
pub async fn plans_version(pool: &PgPool, plan_ids: &[i64]) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(sum(version), 0)::bigint AS "v!" FROM plan_data_versions
           WHERE plan_id = ANY($1)"#,
        plan_ids
    )
    .fetch_one(pool)
    .await
}

/// The version of what the public pages show (see the module's comment).
pub async fn catalog_version(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!("SELECT version FROM catalog_version")
        .fetch_one(pool)
        .await
}

/// The plan's id and data version, by key.
pub async fn version(pool: &PgPool, plan_key: &str) -> sqlx::Result<Option<(i64, i64)>> {
    Ok(sqlx::query!(
        r#"SELECT p.id, COALESCE(v.version, 0) AS "version!"
           FROM plans p LEFT JOIN plan_data_versions v ON v.plan_id = p.id WHERE p.key = $1"#,
        plan_key
    )
    .fetch_optional(pool)
    .await?
    .map(|r| (r.id, r.version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_version() {
        let c: Cache = Cache::default();
        let r = Arc::new(Rendered {
            title: "t".into(),
            body: "b".into(),
        });
        c.put("k".into(), 3, r);
        assert!(c.get("k", 3).is_some());
        assert!(
            c.get("k", 2).is_some(),
            "newer data serves an older request"
        );
        assert!(c.get("k", 4).is_none());
        c.put(
            "k".into(),
            2,
            Arc::new(Rendered {
                title: "old".into(),
                body: "b".into(),
            }),
        );
        assert_eq!(c.get("k", 3).map(|r| r.title.clone()).as_deref(), Some("t"));
        assert!(c.get("other", 3).is_none());
    }

    #[test]
    fn a_full_cache_keeps_what_is_used() {
        let c: Cache = Cache::default();
        let r = || {
            Arc::new(Rendered {
                title: "t".into(),
                body: "b".into(),
            })
        };
        c.put("overview".into(), 1, r());
        for i in 0..MAX_ENTRIES - 1 {
            c.put(format!("odd-filter-{i}"), 1, r());
            assert!(c.get("overview", 1).is_some(), "read between the others");
        }
        c.put("one-more".into(), 1, r());
        assert!(c.get("overview", 1).is_some(), "the one in use stays");
        assert!(c.get("one-more", 1).is_some());
        assert!(c.get("odd-filter-0", 1).is_none(), "the oldest went");
        let kept = c.entries.lock().map(|e| e.map.len()).unwrap_or(0);
        assert!(kept <= MAX_ENTRIES / 2 + 1, "{kept}");
    }

    #[tokio::test]
    async fn many_asking_at_once_compute_once() {
        let c = Arc::new(Cache::default());
        let computed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (c, computed) = (c.clone(), computed.clone());
            tasks.push(tokio::spawn(async move {
                c.get_or_compute("k".into(), 1, || async move {
                    computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok(Rendered {
                        title: "t".into(),
                        body: "b".into(),
                    })
                })
                .await
                .map(|r| r.body.clone())
            }));
        }
        for t in tasks {
            assert_eq!(t.await.ok().and_then(Result::ok).as_deref(), Some("b"));
        }
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
        // A failure is not kept: the next request tries again.
        let failed = c
            .get_or_compute("gone".into(), 1, || async { Err(AppError::NotFound) })
            .await;
        assert!(failed.is_err() && c.get("gone", 1).is_none());
    }

    #[tokio::test]
    async fn one_gate_per_key() {
        let c: Cache = Cache::default();
        let held = c.gate("k");
        let _guard = held.lock().await;
        assert!(c.gate("k").try_lock().is_err(), "the same key waits");
        assert!(c.gate("j").try_lock().is_ok(), "another key does not");
    }
}
