//! `plan-portal synth`: synthetic data at national scale, for benchmarks and load tests only.
//!
//! Every synthetic city (模拟市0001 …) is a jurisdiction of its own with one plan (`synth-0001`
//! …) whose items, targets and milestones are copied from the bundled Jincheng plan, about a
//! hundred units, assignments for every reportable item, the quarterly rounds, and a report
//! (with its one kept version) for nearly every duty of every round that has opened. The
//! Jincheng plan gets a report history too, except for the benchmark reporter's unit, whose
//! reports are left for `bench/run.sh` to save. Two accounts, `bench-leader` and
//! `bench-reporter`, are created when missing.
//!
//! The bulk work is set-based SQL, one transaction per plan. The run is idempotent: a plan
//! whose key already exists is skipped, so an interrupted run resumes where it stopped and a
//! finished one changes nothing; reports are inserted only where none exists.

mod accounts;
mod bodies;
mod plan;
mod reports;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgPool};

use crate::{db, startup};

pub use accounts::{
    BENCH_LEADER, BENCH_REPORTER, BENCH_REPORTER_UNIT, BENCH_SUPERVISOR, DEFAULT_PASSWORD,
};

/// The plan every synthetic plan copies its structure from.
pub const SOURCE_PLAN: &str = "jincheng-2023-33";
/// Prefix of the keys of synthetic plans.
pub const KEY_PREFIX: &str = "synth-";

/// Options of `plan-portal synth`.
#[derive(Debug, Clone, clap::Args)]
pub struct SynthArgs {
    /// Number of synthetic plans (one synthetic city each).
    #[arg(long, default_value_t = 300)]
    pub plans: u32,
    /// Units per synthetic city (the Jincheng plan's units first, then towns).
    #[arg(long, default_value_t = 100)]
    pub units_per_plan: u32,
    /// Seed of the deterministic pseudo-random choices (states, statuses, percentages).
    #[arg(long, default_value_t = 2024)]
    pub seed_rng: i64,
    /// Password of the benchmark accounts, when they are created.
    #[arg(long, default_value = DEFAULT_PASSWORD)]
    pub password: String,
    /// Plans generated at the same time (one database connection each).
    #[arg(long, default_value_t = 2)]
    pub jobs: u32,
    /// Leave the Jincheng plan without a generated report history.
    #[arg(long)]
    pub no_source_reports: bool,
    /// Skip the final VACUUM ANALYZE of the tables written.
    #[arg(long)]
    pub no_vacuum: bool,
}

impl Default for SynthArgs {
    fn default() -> Self {
        SynthArgs {
            plans: 300,
            units_per_plan: 100,
            seed_rng: 2024,
            password: DEFAULT_PASSWORD.to_string(),
            jobs: 2,
            no_source_reports: false,
            no_vacuum: false,
        }
    }
}

/// What a run created (rows it inserted; skipped plans add nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub plans_created: u64,
    pub plans_skipped: u64,
    pub items: u64,
    pub milestones: u64,
    pub units: u64,
    pub groups: u64,
    pub assignments: u64,
    pub rounds: u64,
    /// Reports of the synthetic plans and of the source plan; one kept version each.
    pub reports: u64,
    /// Of `reports`, those on the source (Jincheng) plan.
    pub source_reports: u64,
    pub accounts_created: Vec<String>,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.plans_created += o.plans_created;
        self.plans_skipped += o.plans_skipped;
        self.items += o.items;
        self.milestones += o.milestones;
        self.units += o.units;
        self.groups += o.groups;
        self.assignments += o.assignments;
        self.rounds += o.rounds;
        self.reports += o.reports;
        self.source_reports += o.source_reports;
    }
}

/// The source plan, read once.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub plan_id: i64,
    pub jurisdiction_id: i64,
    pub issue_date: chrono::NaiveDate,
    pub unit_count: i64,
}

async fn source(pool: &PgPool) -> anyhow::Result<Source> {
    let row: Option<(i64, i64, chrono::NaiveDate)> =
        sqlx::query_as("SELECT id, jurisdiction_id, issue_date FROM plans WHERE key = $1")
            .bind(SOURCE_PLAN)
            .fetch_optional(pool)
            .await?;
    let (plan_id, jurisdiction_id, issue_date) = row.with_context(|| {
        format!("the plan {SOURCE_PLAN} is not loaded; synthetic plans copy its structure")
    })?;
    let unit_count: i64 =
        sqlx::query_scalar("SELECT count(*) FROM units WHERE jurisdiction_id = $1")
            .bind(jurisdiction_id)
            .fetch_one(pool)
            .await?;
    anyhow::ensure!(unit_count > 0, "the plan {SOURCE_PLAN} has no units");
    Ok(Source {
        plan_id,
        jurisdiction_id,
        issue_date,
        unit_count,
    })
}

/// Generates the synthetic data into `pool`'s database (which must hold the source plan).
pub async fn generate(pool: &PgPool, args: &SynthArgs) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        args.units_per_plan >= 1,
        "--units-per-plan must be at least 1"
    );
    anyhow::ensure!(args.plans <= 9999, "--plans is at most 9999");
    let src = source(pool).await?;
    let mut summary = Summary {
        accounts_created: accounts::ensure(pool, &args.password).await?,
        ..Summary::default()
    };
    let bar = progress_bar(u64::from(args.plans));
    let next = Arc::new(AtomicU32::new(1));
    let failed = Arc::new(AtomicBool::new(false));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.jobs.clamp(1, 16) {
        let (pool, args, src, bar) = (pool.clone(), args.clone(), src.clone(), bar.clone());
        let (next, failed) = (next.clone(), failed.clone());
        workers.spawn(async move {
            let mut done = Summary::default();
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                if n > args.plans || failed.load(Ordering::SeqCst) {
                    return Ok(done);
                }
                bar.set_message(format!("{KEY_PREFIX}{n:04}"));
                match plan::create(&pool, &src, &args, n).await {
                    Ok(s) => done.add(&s),
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        return Err(e.context(format!("synthetic plan {KEY_PREFIX}{n:04}")));
                    }
                }
                bar.inc(1);
                if bar.is_hidden() && (n % 25 == 0 || n == args.plans) {
                    eprintln!("synth: {n}/{} plans", args.plans);
                }
            }
        });
    }
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        match joined.context("a synth worker panicked")? {
            Ok(s) => summary.add(&s),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    bar.finish_and_clear();
    if let Some(e) = first_error {
        return Err(e);
    }
    if !args.no_source_reports {
        let n = reports::source_history(pool, &src, args.seed_rng).await?;
        summary.source_reports = n;
        summary.reports += n;
    }
    if !args.no_vacuum && (summary.plans_created > 0 || summary.source_reports > 0) {
        vacuum(pool).await?;
    }
    Ok(summary)
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} plans, ETA {eta} {msg}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Fresh statistics and visibility maps, so that the planner and index-only scans see the new
/// rows at once instead of after autovacuum gets round to them.
async fn vacuum(pool: &PgPool) -> sqlx::Result<()> {
    for table in [
        "reports",
        "report_versions",
        "assignments",
        "units",
        "unit_group_members",
        "items",
        "reporting_rounds",
    ] {
        sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// The command: connect, make sure the schema and the bundled plan are there, generate, and
/// print what was created.
pub async fn command(options: PgConnectOptions, args: SynthArgs) -> anyhow::Result<()> {
    // The bulk statements take seconds by design: no slow-statement warnings.
    let options = options.disable_statement_logging();
    let pool = db::connect(options, args.jobs.clamp(1, 16) + 1)
        .await
        .context("cannot connect to PostgreSQL")?;
    startup::prepare_database(&pool).await?;
    let started = Instant::now();
    let s = generate(&pool, &args).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "synth: {} plan(s) created, {} already there, in {secs:.1} s",
        s.plans_created, s.plans_skipped
    );
    println!(
        "  created: {} units, {} groups, {} items, {} milestones, {} assignments, {} rounds",
        s.units, s.groups, s.items, s.milestones, s.assignments, s.rounds
    );
    println!(
        "  created: {} reports with one kept version each ({} of them on {SOURCE_PLAN})",
        s.reports, s.source_reports
    );
    for a in &s.accounts_created {
        println!("  created account {a}");
    }
    let totals: (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM plans), (SELECT count(*) FROM units), (SELECT count(*) FROM reports)",
    )
    .fetch_one(&pool)
    .await?;
    println!(
        "  database now holds {} plans, {} units, {} reports",
        totals.0, totals.1, totals.2
    );
    pool.close().await;
    Ok(())
}
