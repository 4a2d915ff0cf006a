//! Computed dashboards, kept per plan, round, filters and day until the plan's data version
//! (`plan_data_versions`, bumped by triggers on everything a dashboard reads) moves on. Every
//! instance keeps its own copy and checks the version in PostgreSQL on each request, so a
//! change made through any instance is seen by all: this is a cache, not state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::PgPool;

/// A rendered dashboard body and its page title.
#[derive(Debug)]
pub struct Rendered {
    pub title: String,
    pub body: String,
}

/// When this many are kept, the less recently used half is dropped: filters make many keys,
/// most of them rare, and a reader trying odd filters must not push out everyone's overview.
const MAX_ENTRIES: usize = 256;

struct Entry {
    version: i64,
    rendered: Arc<Rendered>,
    /// The `clock` reading at the last use.
    used: u64,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Entry>,
    clock: u64,
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<Entries>,
    /// One gate per key: when a version moves on, the first request computes the dashboard and
    /// the others wait for it, instead of all computing the same page at once.
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Cache {
    /// The entry for `key` if it was computed from data at least as new as `version`.
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<Rendered>> {
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

    pub fn put(&self, key: String, version: i64, rendered: Arc<Rendered>) {
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
        let c = Cache::default();
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
        let c = Cache::default();
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
    async fn one_gate_per_key() {
        let c = Cache::default();
        let held = c.gate("k");
        let _guard = held.lock().await;
        assert!(c.gate("k").try_lock().is_err(), "the same key waits");
        assert!(c.gate("j").try_lock().is_ok(), "another key does not");
    }
}
