//! `plan-portal synth` at tiny scale: what it says it created is what the database holds,
//! every report stays inside its own plan and city, and a second run changes nothing.

use plan_portal::synth::{self, SynthArgs};

use crate::helpers::spawn_app;

async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test]
async fn tiny_synthetic_country_is_consistent() {
    let app = spawn_app().await;
    let pool = &app.pool;
    let args = SynthArgs {
        plans: 3,
        units_per_plan: 5,
        jobs: 2,
        ..SynthArgs::default()
    };
    let s = synth::generate(pool, &args).await.expect("synth runs");
    assert_eq!((s.plans_created, s.plans_skipped), (3, 0));

    const SYNTH_PLANS: &str = "(SELECT id FROM plans WHERE key LIKE 'synth-%')";
    const SYNTH_CITIES: &str = "(SELECT jurisdiction_id FROM plans WHERE key LIKE 'synth-%')";
    let q = |what: &str| format!("SELECT count(*) FROM {what}");
    assert_eq!(count(pool, &q("plans WHERE key LIKE 'synth-%'")).await, 3);
    assert_eq!(
        count(
            pool,
            &q(&format!("units WHERE jurisdiction_id IN {SYNTH_CITIES}"))
        )
        .await,
        s.units as i64
    );
    assert_eq!(s.units, 15);
    assert_eq!(
        count(
            pool,
            &q(&format!(
                "unit_groups WHERE jurisdiction_id IN {SYNTH_CITIES}"
            ))
        )
        .await,
        s.groups as i64
    );
    assert_eq!(
        count(pool, &q(&format!("items WHERE plan_id IN {SYNTH_PLANS}"))).await,
        s.items as i64
    );
    assert_eq!(
        count(
            pool,
            &q(&format!(
                "milestones m JOIN items i ON i.id = m.item_id WHERE i.plan_id IN {SYNTH_PLANS}"
            ))
        )
        .await,
        s.milestones as i64
    );
    assert_eq!(
        count(
            pool,
            &q(&format!(
                "assignments a JOIN items i ON i.id = a.item_id WHERE i.plan_id IN {SYNTH_PLANS}"
            ))
        )
        .await,
        s.assignments as i64
    );
    assert_eq!(
        count(
            pool,
            &q(&format!("reporting_rounds WHERE plan_id IN {SYNTH_PLANS}"))
        )
        .await,
        s.rounds as i64
    );
    // The seeded database had no reports: all of them are the generator's.
    assert_eq!(count(pool, &q("reports")).await, s.reports as i64);
    assert_eq!(count(pool, &q("report_versions")).await, s.reports as i64);
    assert_eq!(
        count(
            pool,
            &q("reports r JOIN reporting_rounds rr ON rr.id = r.round_id JOIN plans p ON p.id = rr.plan_id WHERE p.key = 'jincheng-2023-33'")
        )
        .await,
        s.source_reports as i64
    );
    assert!(s.reports > s.source_reports && s.source_reports > 0);

    // Every reportable item of a synthetic plan has someone answering for it.
    assert_eq!(
        count(
            pool,
            &q(&format!(
                "items i WHERE i.plan_id IN {SYNTH_PLANS}
                   AND i.kind IN ('indicator', 'subtarget', 'task', 'project')
                   AND NOT EXISTS (SELECT 1 FROM unit_duties d WHERE d.item_id = i.id)"
            ))
        )
        .await,
        0
    );
    // Reports name a unit of their own plan's city, an item of their own plan, and a duty.
    assert_eq!(
        count(
            pool,
            &q("reports r
                JOIN reporting_rounds rr ON rr.id = r.round_id
                JOIN plans p ON p.id = rr.plan_id
                JOIN units u ON u.id = r.unit_id
                JOIN items i ON i.id = r.item_id
                WHERE u.jurisdiction_id <> p.jurisdiction_id OR i.plan_id <> p.id")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            pool,
            &q(
                "reports r WHERE NOT EXISTS (SELECT 1 FROM round_duties d
                WHERE d.round_id = r.round_id AND d.item_id = r.item_id AND d.unit_id = r.unit_id)"
            )
        )
        .await,
        0
    );
    // One kept version per report, matching it.
    assert_eq!(
        count(
            pool,
            &q("reports r JOIN report_versions v ON v.report_id = r.id
                WHERE v.version <> r.version OR v.state <> r.state")
        )
        .await,
        0
    );
    // A mix of states and statuses, and completion that does not fall from round to round.
    assert!(count(pool, "SELECT count(DISTINCT state) FROM reports").await >= 4);
    assert!(count(pool, "SELECT count(DISTINCT status) FROM reports").await >= 4);
    assert_eq!(
        count(
            pool,
            &q("reports a
                JOIN reporting_rounds ra ON ra.id = a.round_id
                JOIN reports b ON b.item_id = a.item_id AND b.unit_id = a.unit_id
                JOIN reporting_rounds rb ON rb.id = b.round_id
                WHERE ra.plan_id = rb.plan_id AND ra.kind = 'scheduled' AND rb.kind = 'scheduled'
                  AND ra.due_on < rb.due_on AND a.percent > b.percent")
        )
        .await,
        0
    );
    // The benchmark reporter's unit is left without reports, for the save benchmark.
    let reporter_unit = app.unit_id(synth::BENCH_REPORTER_UNIT).await;
    assert_eq!(
        count(
            pool,
            &format!("SELECT count(*) FROM reports WHERE unit_id = {reporter_unit}")
        )
        .await,
        0
    );
    assert_eq!(
        s.accounts_created,
        vec![
            synth::BENCH_LEADER.to_string(),
            synth::BENCH_REPORTER.to_string(),
            synth::BENCH_SUPERVISOR.to_string()
        ]
    );
    assert!(
        count(
            pool,
            "SELECT count(*) FROM audit_log WHERE action = 'synth.plan'"
        )
        .await
            == 3
    );

    // Again: nothing new.
    let again = synth::generate(pool, &args).await.expect("second run");
    assert_eq!((again.plans_created, again.plans_skipped), (0, 3));
    assert_eq!((again.reports, again.units), (0, 0));
    assert!(again.accounts_created.is_empty());
    assert_eq!(count(pool, &q("reports")).await, s.reports as i64);

    // The benchmark accounts can sign in with the default password.
    let resp = app
        .login_with(&app.client, synth::BENCH_REPORTER, synth::DEFAULT_PASSWORD)
        .await;
    assert_eq!(resp.status(), 303, "bench-reporter signs in");
}
