//! Dashboards: the rollups agree with direct counts, every link resolves, filters combine,
//! the rules are the plan's own.

use std::collections::BTreeSet;
use std::sync::Arc;

use plan_portal::accounts::model::UserRole;

use crate::fixtures::open_round;
use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

const STATUSES: [&str; 4] = ["completed", "in_progress", "lagging", "ongoing"];

/// Every unit of every counted item reports, all with the item's one status (by position),
/// so the expected counts are plain SQL counts.
async fn reports_for_every_duty(app: &TestApp, round: i64) {
    sqlx::query(
        r#"INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
           SELECT $1, i.id, d.unit_id, 'submitted',
                  ($2::text[])[1 + dense_rank() OVER (ORDER BY i.position) % 4]::progress_status,
                  NULL, '进展', now()
           FROM round_duties d JOIN items i ON i.id = d.item_id
           WHERE d.round_id = $1 AND i.kind IN ('subtarget', 'task', 'project')"#,
    )
    .bind(round)
    .bind(STATUSES.map(String::from).to_vec())
    .execute(&app.pool)
    .await
    .expect("reports");
}

async fn leader(app: &TestApp) -> reqwest::Client {
    app.create_user("boss", UserRole::Leader, None).await;
    let c = app.new_client();
    assert_eq!(app.login_with(&c, "boss", PASSWORD).await.status(), 303);
    c
}

fn chip_count(doc: &scraper::Html, slug: &str) -> i64 {
    select(doc, &format!(".status-bar .status-{slug} strong"))
        .first()
        .map(crate::helpers::text_of)
        .and_then(|t| t.parse().ok())
        .unwrap_or(-1)
}

#[tokio::test]
async fn rollups_agree_with_direct_counts() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    reports_for_every_duty(&app, round).await;
    let boss = leader(&app).await;
    let doc = app
        .page_as(
            &boss,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}"),
        )
        .await;
    for slug in STATUSES {
        let direct: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT item_id) FROM reports WHERE round_id = $1 AND status::text = $2",
        )
        .bind(round)
        .bind(slug)
        .fetch_one(&app.pool)
        .await
        .expect("count");
        assert_eq!(chip_count(&doc, slug), direct, "{slug}");
    }
    let unreported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM items i WHERE i.kind IN ('subtarget', 'task', 'project')
         AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.item_id = i.id AND r.round_id = $1)",
    )
    .bind(round)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(chip_count(&doc, "not_reported"), unreported);
    // Per category, the item totals are the tasks filed under it.
    let per_category: Vec<i64> = sqlx::query_scalar(
        "SELECT count(t.id) FROM items c LEFT JOIN items t ON t.parent_id = c.id AND t.kind = 'task'
         WHERE c.kind = 'category' GROUP BY c.id, c.position ORDER BY c.position",
    )
    .fetch_all(&app.pool)
    .await
    .expect("categories");
    let shown: Vec<i64> = texts(&doc, "#h-categories ~ .table-wrap td[data-label='事项'] a")
        .iter()
        .map(|t| t.parse().expect("number"))
        .collect();
    assert_eq!(shown, per_category);
    // A unit's scorecard counts what the round asks of it.
    let gp = app.unit_id("高平市人民政府").await;
    let due: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM round_duties d JOIN items i ON i.id = d.item_id
         WHERE d.round_id = $1 AND d.unit_id = $2 AND i.kind IN ('subtarget', 'task', 'project')",
    )
    .bind(round)
    .bind(gp)
    .fetch_one(&app.pool)
    .await
    .expect("due");
    let row = select(&doc, "#h-units ~ .table-wrap tr")
        .into_iter()
        .find(|r| crate::helpers::text_of(r).starts_with("高平市人民政府"))
        .expect("高平 row");
    let first = row
        .select(&scraper::Selector::parse("td a").expect("selector"))
        .next()
        .map(|a| crate::helpers::text_of(&a))
        .unwrap_or_default();
    assert_eq!(first, due.to_string());
}

#[tokio::test]
async fn every_dashboard_link_resolves_and_filters_combine() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    reports_for_every_duty(&app, round).await;
    let boss = Arc::new(leader(&app).await);
    let doc = app
        .page_as(
            &boss,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}"),
        )
        .await;
    let links: BTreeSet<String> = select(&doc, "main a[href^='/']")
        .iter()
        .filter_map(|a| a.value().attr("href").map(String::from))
        .filter(|h| !h.ends_with(".xlsx"))
        .collect();
    assert!(links.len() > 50, "{}", links.len());
    let mut tasks = tokio::task::JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(6));
    for href in links {
        let (c, gate, url) = (boss.clone(), gate.clone(), format!("{}{href}", app.address));
        tasks.spawn(async move {
            let _permit = gate.acquire().await.expect("permit");
            let status = c.get(&url).send().await.expect("answered").status();
            (href, status.as_u16())
        });
    }
    while let Some(done) = tasks.join_next().await {
        let (href, status) = done.expect("task");
        assert_eq!(status, 200, "{href}");
    }

    // Category and status together: every listed item is of both.
    let base = format!("/plans/jincheng-2023-33/dashboard/items?round={round}");
    let list = app
        .page_as(&boss, &format!("{base}&category=category-1&status=lagging"))
        .await;
    let listed = texts(&list, ".drill-item h2 .status-chip");
    assert!(!listed.is_empty());
    assert!(listed.iter().all(|s| s == "滞后"), "{listed:?}");
    let keys: Vec<String> = select(&list, ".drill-item h2 a")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .map(|h| h.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    let in_category: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM items t JOIN items c ON c.id = t.parent_id
         WHERE c.key = 'category-1' AND t.key = ANY($1)",
    )
    .bind(&keys)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(in_category as usize, keys.len());
    // A county and a status: only that county's lines, only items of that status.
    let zz = app.unit_id("泽州县人民政府").await;
    let list = app
        .page_as(&boss, &format!("{base}&county={zz}&status=completed"))
        .await;
    let units: BTreeSet<String> = texts(&list, "td[data-label='单位']").into_iter().collect();
    assert_eq!(units.into_iter().collect::<Vec<_>>(), ["泽州县人民政府"]);
    assert!(
        texts(&list, ".drill-item h2 .status-chip")
            .iter()
            .all(|s| s == "已完成")
    );
    // The filters stay in the URL: the form shows them chosen.
    let category = select(&list, "#f-county option[selected]");
    assert_eq!(
        category[0].value().attr("value"),
        Some(zz.to_string().as_str())
    );
}

#[tokio::test]
async fn only_the_bureau_and_leaders_read_dashboards_and_rules_are_the_plans_own() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let rep = app.new_client();
    app.login_with(&rep, "rep", PASSWORD).await;
    let url = format!("{}/plans/jincheng-2023-33/dashboard", app.address);
    assert_eq!(rep.get(&url).send().await.expect("answered").status(), 403);
    assert_eq!(
        app.new_client()
            .get(&url)
            .send()
            .await
            .expect("answered")
            .status(),
        303
    );

    // One task at 30% against a path near 100% at the round's end… lagging with the default
    // tolerance; a supervisor who widens the tolerance to 100 points sees it in progress.
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
         SELECT $1, d.item_id, d.unit_id, 'submitted', 'in_progress', 30, 'x', now()
         FROM round_duties d JOIN items i ON i.id = d.item_id WHERE d.round_id = $1 AND i.key = 'task-1'",
    )
    .bind(round)
    .execute(&app.pool)
    .await
    .expect("reports");
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let item = format!("/plans/jincheng-2023-33/dashboard/items?round={round}&item=task-1");
    let before = texts(
        &app.page_as(&sup, &item).await,
        ".drill-item h2 .status-chip",
    );
    let csrf = app.csrf(&sup).await;
    let form = |v: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("lag_points", "100".to_string()),
            ("on_path_percent", "10".to_string()),
            ("due_soon_days", "7".to_string()),
            ("share_basis", "count".to_string()),
            ("version", v.to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>, c: reqwest::Client| {
        let url = format!("{}/plans/jincheng-2023-33/rules", app.address);
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
    assert_eq!(post(form("0"), rep.clone()).await, 403);
    assert_eq!(post(form("0"), sup.clone()).await, 303);
    assert_eq!(post(form("0"), sup.clone()).await, 409, "stale version");
    let after = texts(
        &app.page_as(&sup, &item).await,
        ".drill-item h2 .status-chip",
    );
    // The test round ends today, after the plan's last year: the path stands at 100%.
    assert_eq!((before[0].as_str(), after[0].as_str()), ("滞后", "推进中"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"rules.update".to_string())
    );
}

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
