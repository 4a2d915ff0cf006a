//! Dashboards, continued: item settings and the kept dashboard follow changes; rollups on
//! synthetic plans agree with counts written in SQL alone.

use plan_portal::accounts::model::UserRole;

use crate::dashboard::{chip_count, leader};
use crate::fixtures::open_round;
use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};

#[tokio::test]
async fn cancelled_items_leave_the_totals_and_a_confirmed_baseline_allows_a_verdict() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let boss = leader(&app).await;
    app.create_user("adm", UserRole::Admin, None).await;
    let adm = app.new_client();
    app.login_with(&adm, "adm", PASSWORD).await;
    let csrf = app.csrf(&adm).await;
    let dash = format!("/plans/jincheng-2023-33/dashboard?round={round}");
    let total = |doc: &scraper::Html| {
        texts(doc, ".stat-value")
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let before = total(&app.page_as(&boss, &dash).await);
    let pool = app.pool.clone();
    let id = |key: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM items WHERE key = $1")
                .bind(key)
                .fetch_one(&pool)
                .await
                .expect("item")
        }
    };
    let task = id("task-1").await;
    let path = format!("/admin/assignments/{task}/settings");
    let form = |lifecycle: &'static str, was: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("lifecycle", lifecycle.into()),
            ("weight", "1".into()),
            ("was", was.into()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let (c, url) = (adm.clone(), format!("{}{path}", app.address));
        async move {
            c.post(url)
                .form(&f)
                .send()
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(form("cancelled", "active|1||")).await, 303);
    assert_eq!(
        post(form("merged", "active|1||")).await,
        409,
        "another admin's change is not overwritten"
    );
    let after = total(&app.page_as(&boss, &dash).await);
    assert_eq!(
        after.parse::<i64>().expect("n") + 1,
        before.parse::<i64>().expect("n")
    );

    // Indicator 1 has no baseline value in the document: with a value reported it cannot be
    // judged until an admin confirms the baseline.
    let ind = id("indicator-1").await;
    let yjj = app.unit_id("市应急局").await;
    sqlx::query(
        "INSERT INTO assignments (item_id, unit_id, role, position, source) VALUES ($1, $2, 'lead', 0, 'admin')",
    )
    .bind(ind)
    .bind(yjj)
    .execute(&app.pool)
    .await
    .expect("assign");
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, measured_value, progress, submitted_at)
         VALUES ($1, $2, $3, 'submitted', 'in_progress', 80, 'x', now())",
    )
    .bind(round)
    .bind(ind)
    .bind(yjj)
    .execute(&app.pool)
    .await
    .expect("value");
    let verdict = |doc: &scraper::Html| {
        texts(doc, "#h-indicators ~ .table-wrap .verdict")
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let dash = format!("{dash}&view=indicators");
    assert_eq!(verdict(&app.page_as(&boss, &dash).await), "基期值待确认");
    let resp = app
        .post_form(
            &adm,
            &format!("/admin/assignments/{ind}/settings"),
            &[
                ("csrf", &csrf),
                ("lifecycle", "active"),
                ("weight", "1"),
                ("baseline", "100"),
                ("binding", "binding"),
                ("was", "active|1||"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    // 80 against a target of 85 (100 less 15%): already reached.
    let doc = app.page_as(&boss, &dash).await;
    assert_eq!(verdict(&doc), "提前实现");
    assert!(texts(&doc, "td[data-label='属性']").contains(&"约束性".to_string()));
}

#[tokio::test]
async fn a_kept_dashboard_follows_every_change_to_its_plan() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let boss = leader(&app).await;
    let dash = format!("/plans/jincheng-2023-33/dashboard?round={round}");
    let first = app.page_as(&boss, &dash).await;
    assert_eq!(chip_count(&first, "completed"), 0);
    // Written straight into the database, as another portal instance would: the plan's data
    // version moves, and the next view is computed afresh.
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, progress, submitted_at)
         SELECT $1, d.item_id, d.unit_id, 'submitted', 'completed', 'x', now()
         FROM round_duties d JOIN items i ON i.id = d.item_id WHERE d.round_id = $1 AND i.key = 'task-1'",
    )
    .bind(round)
    .execute(&app.pool)
    .await
    .expect("reports");
    let second = app.page_as(&boss, &dash).await;
    assert_eq!(chip_count(&second, "completed"), 1);
    // A change of rules moves it too: a tolerance of 0 points makes nothing else change here,
    // but the version does.
    let v = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT version FROM plan_data_versions WHERE plan_id = 1")
            .fetch_one(&pool)
            .await
            .expect("version")
    };
    let before = v(app.pool.clone()).await;
    sqlx::query("INSERT INTO plan_rules (plan_id, lag_points) VALUES (1, 0)")
        .execute(&app.pool)
        .await
        .expect("rules");
    assert!(v(app.pool.clone()).await > before);
}

/// Items of a plan as of a round whose speaking reports (the lead's, else every unit's latest
/// that reached the bureau) satisfy `all_are` / `any_is`, counted in SQL alone.
async fn direct(app: &TestApp, plan: &str, round: i64, clause: &str) -> i64 {
    let sql = format!(
        r#"WITH latest AS (
               SELECT DISTINCT ON (rep.item_id, rep.unit_id) rep.item_id, rep.unit_id, rep.status
               FROM reports rep JOIN reporting_rounds r ON r.id = rep.round_id
               JOIN plans p ON p.id = r.plan_id
               WHERE p.key = $1 AND r.due_on <= (SELECT due_on FROM reporting_rounds WHERE id = $2)
                 AND rep.state IN ('submitted', 'accepted')
               ORDER BY rep.item_id, rep.unit_id, r.due_on DESC, r.id DESC),
           duty AS (
               SELECT DISTINCT ON (a.item_id, COALESCE(a.unit_id, m.unit_id))
                      a.item_id, COALESCE(a.unit_id, m.unit_id) AS unit_id, a.role
               FROM assignments a LEFT JOIN unit_group_members m ON m.group_id = a.group_id
               ORDER BY a.item_id, COALESCE(a.unit_id, m.unit_id), a.role, a.position),
           lines AS (SELECT d.item_id, d.role, l.status FROM duty d JOIN latest l USING (item_id, unit_id)),
           speaking AS (SELECT * FROM lines x WHERE x.role = 'lead'
                        OR NOT EXISTS (SELECT 1 FROM lines y WHERE y.item_id = x.item_id AND y.role = 'lead'))
           SELECT count(*) FROM items i JOIN plans p ON p.id = i.plan_id
           WHERE p.key = $1 AND i.kind IN ('subtarget', 'task', 'project') AND i.lifecycle = 'active'
             AND {clause}"#
    );
    sqlx::query_scalar(&sql)
        .bind(plan)
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .expect("direct count")
}

#[tokio::test]
async fn on_synthetic_plans_the_rollups_agree_with_sql_counts() {
    let app = spawn_app().await;
    let args = plan_portal::synth::SynthArgs {
        plans: 2,
        units_per_plan: 20,
        jobs: 1,
        ..Default::default()
    };
    plan_portal::synth::generate(&app.pool, &args)
        .await
        .expect("synth");
    let boss = leader(&app).await;
    for plan in ["synth-0001", "synth-0002"] {
        let round: i64 = sqlx::query_scalar(
            "SELECT r.id FROM reporting_rounds r JOIN plans p ON p.id = r.plan_id
             WHERE p.key = $1 AND r.kind = 'scheduled' AND r.due_on < current_date
             ORDER BY r.due_on DESC LIMIT 1",
        )
        .bind(plan)
        .fetch_one(&app.pool)
        .await
        .expect("round");
        let doc = app
            .page_as(&boss, &format!("/plans/{plan}/dashboard?round={round}"))
            .await;
        let spoke = "EXISTS (SELECT 1 FROM speaking s WHERE s.item_id = i.id)";
        let completed = direct(
            &app,
            plan,
            round,
            &format!("{spoke} AND NOT EXISTS (SELECT 1 FROM speaking s WHERE s.item_id = i.id AND s.status <> 'completed')"),
        )
        .await;
        let silent = direct(&app, plan, round, &format!("NOT {spoke}")).await;
        let said_lagging = direct(
            &app,
            plan,
            round,
            "EXISTS (SELECT 1 FROM speaking s WHERE s.item_id = i.id AND s.status = 'lagging')",
        )
        .await;
        assert_eq!(chip_count(&doc, "completed"), completed, "{plan}");
        assert_eq!(chip_count(&doc, "not_reported"), silent, "{plan}");
        // Lagging also counts completion behind the path, so at least those that say so.
        assert!(chip_count(&doc, "lagging") >= said_lagging, "{plan}");
        assert!(
            said_lagging > 0 || completed > 0,
            "the synthetic data says something"
        );
    }
}

/// The scorecards link a county as `unit=`; the filter form then shows it under 县（市、区）,
/// so sending the form again keeps it, and the list is the county's either way.
#[tokio::test]
async fn a_county_linked_as_a_unit_shows_in_the_county_filter() {
    let app = spawn_app().await;
    open_round(&app).await;
    let c = leader(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let base = "/plans/jincheng-2023-33/dashboard";
    for page in [base.to_string(), format!("{base}/items")] {
        let as_unit = app.page_as(&c, &format!("{page}?unit={gp}")).await;
        let as_county = app.page_as(&c, &format!("{page}?county={gp}")).await;
        let selected = |doc: &scraper::Html, name: &str| {
            crate::helpers::select(doc, &format!("select[name={name}] option[selected]"))
                .iter()
                .filter_map(|o| o.value().attr("value"))
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(selected(&as_unit, "county"), [gp.to_string()], "{page}");
        assert!(selected(&as_unit, "unit").is_empty(), "{page}");
        assert_eq!(
            texts(&as_unit, "main table tbody tr"),
            texts(&as_county, "main table tbody tr"),
            "{page}"
        );
    }
}

/// Leaders find the dashboard from every page; a unit's reporter is not offered it.
#[tokio::test]
async fn the_header_links_readers_to_the_dashboard() {
    let app = spawn_app().await;
    let c = leader(&app).await;
    app.create_user("gp-rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let rep = app.new_client();
    assert_eq!(app.login_with(&rep, "gp-rep", PASSWORD).await.status(), 303);
    for page in ["/", "/todo", "/account"] {
        let doc = app.page_as(&c, page).await;
        let links = crate::helpers::select(&doc, "header a[href='/dashboard']");
        assert_eq!(links.len(), 1, "{page}");
        let doc = app.page_as(&rep, page).await;
        assert!(crate::helpers::select(&doc, "header a[href='/dashboard']").is_empty());
    }
    let followed = c
        .get(format!("{}/dashboard", app.address))
        .send()
        .await
        .expect("answered");
    assert!(followed.status().is_success() || followed.status().is_redirection());
}
