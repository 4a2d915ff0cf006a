//! The 督办 ledger: flags raised and cleared by the sweep, kept afterwards, answered by units.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};

pub(crate) async fn round(app: &TestApp, key: &str, due_in_days: i32) -> i64 {
    // The portal in use since well before these rounds (启用日期), so their lateness counts.
    sqlx::query(
        "INSERT INTO plan_rules (plan_id, started_on) SELECT id, current_date - 400 FROM plans
         ON CONFLICT (plan_id) DO UPDATE SET started_on = EXCLUDED.started_on",
    )
    .execute(&app.pool)
    .await
    .expect("启用日期");
    sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, $1, $1, 'ad_hoc', current_date - 40, current_date - 10,
                  current_date - 20, current_date + $2, 'test' FROM plans RETURNING id"#,
    )
    .bind(key)
    .bind(due_in_days)
    .fetch_one(&app.pool)
    .await
    .expect("round")
}

async fn open_flags(app: &TestApp, round: i64, level: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM supervision_flags WHERE round_id = $1 AND level::text = $2 AND cleared_at IS NULL",
    )
    .bind(round)
    .bind(level)
    .fetch_one(&app.pool)
    .await
    .expect("count")
}

pub(crate) const LEDGER: &str = "/plans/jincheng-2023-33/supervision";

/// 立即核查, as the supervisor would click it; returns the ledger it leads to.
pub(crate) async fn sweep_now(app: &TestApp, sup: &reqwest::Client) -> scraper::Html {
    let csrf = app.csrf(sup).await;
    let resp = app
        .post_form(sup, &format!("{LEDGER}/sweep"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 303);
    app.page_as(sup, LEDGER).await
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.pool)
        .await
        .expect("count")
}

/// A Monday morning on a fresh plan: 16 people open the ledger at once. A view only reads,
/// so all answer 200 and nothing is written; the flags come from a sweep.
#[tokio::test]
async fn sixteen_first_loads_at_once_answer_and_write_nothing() {
    let app = spawn_app().await;
    round(&app, "late", -1).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let mut clients = Vec::new();
    for _ in 0..16 {
        let c = app.new_client();
        app.login_with(&c, "sup", PASSWORD).await;
        clients.push(c);
    }
    let mut loads = tokio::task::JoinSet::new();
    for c in &clients {
        let (c, url) = (c.clone(), format!("{}{LEDGER}", app.address));
        loads.spawn(async move { c.get(url).send().await.map(|r| r.status().as_u16()) });
    }
    let statuses: Vec<_> = loads.join_all().await;
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(200))),
        "{statuses:?}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM supervision_flags").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM supervision_sweeps").await,
        0
    );
    let page = sweep_now(&app, &clients[0]).await;
    assert!(
        count(
            &app,
            "SELECT count(*) FROM supervision_flags WHERE level = 'red'"
        )
        .await
            > 0
    );
    assert!(
        crate::helpers::texts(&page, "p.note")
            .iter()
            .any(|t| t.contains("预警最近核查于"))
    );
}

/// Sweeps of one plan from several instances at once take turns: none fails, and the flags
/// are raised once.
#[tokio::test]
async fn concurrent_sweeps_neither_deadlock_nor_double_flags() {
    use plan_portal::supervision::sweep;
    let app = spawn_app().await;
    round(&app, "late", -1).await;
    round(&app, "soon", 3).await;
    let today = plan_portal::reports::today();
    let mut runs = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let pool = app.pool.clone();
        runs.spawn(async move { sweep::sweep(&pool, "jincheng-2023-33", today).await });
    }
    let results = runs.join_all().await;
    let raised: u64 = results
        .iter()
        .map(|r| r.as_ref().map(|s| s.raised).expect("every sweep succeeds"))
        .sum();
    let flags = count(&app, "SELECT count(*) FROM supervision_flags").await;
    assert!(flags > 0);
    assert_eq!(
        raised,
        u64::try_from(flags).expect("count"),
        "raised once in all"
    );
    // The background sweep leaves a plan alone until its data or day changes.
    let first = swept_at(&app).await;
    sweep::sweep_due(&app.pool, today, 10).await;
    assert_eq!(
        swept_at(&app).await,
        first,
        "nothing changed: not swept again"
    );
    sqlx::query("UPDATE items SET title = title || '。' WHERE key = 'task-1'")
        .execute(&app.pool)
        .await
        .expect("change");
    sweep::sweep_due(&app.pool, today, 10).await;
    assert!(
        swept_at(&app).await > first,
        "the plan changed: swept again"
    );
}

async fn swept_at(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    sqlx::query_scalar("SELECT swept_at FROM supervision_sweeps")
        .fetch_one(&app.pool)
        .await
        .expect("swept")
}

/// Leaders read the ledger but do not run the sweep.
#[tokio::test]
async fn only_supervisors_and_admins_ask_for_a_sweep() {
    let app = spawn_app().await;
    app.create_user("boss", UserRole::Leader, None).await;
    let boss = app.new_client();
    app.login_with(&boss, "boss", PASSWORD).await;
    let page = app.page_as(&boss, LEDGER).await;
    assert!(crate::helpers::select(&page, "form[action$='/sweep']").is_empty());
    let csrf = app.csrf(&boss).await;
    let resp = app
        .post_form(&boss, &format!("{LEDGER}/sweep"), &[("csrf", &csrf)])
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        count(&app, "SELECT count(*) FROM supervision_sweeps").await,
        0
    );
}

#[tokio::test]
async fn flags_are_raised_cleared_kept_and_answered() {
    let app = spawn_app().await;
    let soon = round(&app, "soon", 3).await;
    let late = round(&app, "late", -1).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let ledger = LEDGER;
    sweep_now(&app, &sup).await;
    let duties: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM round_duties d JOIN items i ON i.id = d.item_id
         WHERE d.round_id = $1 AND i.kind IN ('subtarget', 'task', 'project')",
    )
    .bind(soon)
    .fetch_one(&app.pool)
    .await
    .expect("duties");
    assert_eq!(
        open_flags(&app, soon, "blue").await,
        duties,
        "every missing report, due soon"
    );
    assert_eq!(
        open_flags(&app, late, "red").await,
        duties,
        "every missing report, overdue"
    );

    // 高平 reports task-1 in the late round, as lagging: red clears, yellow rises; the red
    // flag stays in the ledger with its clearing time.
    let gp = app.unit_id("高平市人民政府").await;
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, progress, submitted_at)
         SELECT $1, id, $2, 'submitted', 'lagging', '资金未到位', now() FROM items WHERE key = 'task-1'",
    )
    .bind(late)
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("report");
    let page = sweep_now(&app, &sup).await;
    assert_eq!(open_flags(&app, late, "red").await, duties - 1);
    let cleared: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM supervision_flags f JOIN items i ON i.id = f.item_id
         WHERE f.round_id = $1 AND f.unit_id = $2 AND i.key = 'task-1' AND f.level = 'red' AND f.cleared_at IS NOT NULL",
    )
    .bind(late)
    .bind(gp)
    .fetch_one(&app.pool)
    .await
    .expect("cleared");
    assert_eq!(cleared, 1);
    assert!(open_flags(&app, late, "yellow").await + open_flags(&app, soon, "yellow").await >= 1);
    // Open flags come first; the cleared ones are a filter away.
    assert_eq!(texts(&page, "td[data-label='解除']")[0], "未解除");
    let cleared_page = app.page_as(&sup, &format!("{LEDGER}?state=cleared")).await;
    assert!(
        texts(&cleared_page, "td[data-label='解除']")
            .iter()
            .any(|t| t != "未解除")
    );
    // Sweeping again changes nothing.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM supervision_flags")
        .fetch_one(&app.pool)
        .await
        .expect("n");
    sweep_now(&app, &sup).await;
    let again: i64 = sqlx::query_scalar("SELECT count(*) FROM supervision_flags")
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert_eq!(before, again);

    // The unit answers one of its flags from its to-do list; others may not, nor twice.
    app.create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("zz", UserRole::Reporter, Some("泽州县人民政府"))
        .await;
    let (gp_c, zz_c) = (app.new_client(), app.new_client());
    app.login_with(&gp_c, "gp", PASSWORD).await;
    app.login_with(&zz_c, "zz", PASSWORD).await;
    let todo = app.page_as(&gp_c, "/todo").await;
    let form = crate::helpers::select(&todo, ".answer-form")
        .first()
        .and_then(|f| f.value().attr("action"))
        .expect("an answer form")
        .to_string();
    let zz_csrf = app.csrf(&zz_c).await;
    let resp = app
        .post_form(
            &zz_c,
            &form,
            &[("csrf", &zz_csrf), ("answer", "不是我们的")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let csrf = app.csrf(&gp_c).await;
    let resp = app
        .post_form(
            &gp_c,
            &form,
            &[("csrf", &csrf), ("answer", "资金已申请，下月到位")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = app
        .post_form(&gp_c, &form, &[("csrf", &csrf), ("answer", "改口")])
        .await;
    assert_eq!(resp.status(), 409);
    let answer: Option<String> =
        sqlx::query_scalar("SELECT answer FROM supervision_flags WHERE answer IS NOT NULL")
            .fetch_optional(&app.pool)
            .await
            .expect("answer");
    assert_eq!(answer.as_deref(), Some("资金已申请，下月到位"));
    assert!(
        app.audit_actions()
            .await
            .contains(&"supervision.answer".to_string())
    );
    // Units do not read the ledger.
    let resp = gp_c
        .get(format!("{}{ledger}", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(resp.status(), 403);
}

/// The ledger below its header is kept, yet a sweep or an answer shows at once; a plan with
/// hundreds of flags is read a hundred at a time.
#[tokio::test]
async fn the_ledger_pages_and_shows_every_change_at_once() {
    let app = spawn_app().await;
    round(&app, "late", -1).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let before = app.page_as(&sup, LEDGER).await;
    assert!(texts(&before, "p.empty").concat().contains("没有"));
    // The sweep writes flags; the kept page must not hide them.
    let doc = sweep_now(&app, &sup).await;
    let flags = count(&app, "SELECT count(*) FROM supervision_flags").await;
    assert!(flags > 100, "{flags}");
    let rows = crate::helpers::select(&doc, "table.data tbody tr").len();
    assert_eq!(rows, 100);
    let red: i64 = texts(&doc, ".status-bar .flag-red strong")
        .concat()
        .parse()
        .expect("a count");
    assert_eq!(red, open_counts_all(&app).await, "counted over every page");
    let mut seen = rows as i64;
    let mut next = crate::helpers::select(&doc, "a[rel=next]")
        .first()
        .and_then(|a| a.value().attr("href").map(str::to_string));
    while let Some(href) = next {
        let doc = app.page_as(&sup, &format!("{LEDGER}{href}")).await;
        seen += crate::helpers::select(&doc, "table.data tbody tr").len() as i64;
        next = crate::helpers::select(&doc, "a[rel=next]")
            .first()
            .and_then(|a| a.value().attr("href").map(str::to_string));
    }
    assert_eq!(seen, flags, "every flag on some page");
    let past = sup
        .get(format!("{}{LEDGER}?page=99", app.address))
        .send()
        .await
        .expect("page 99");
    assert_eq!(past.status(), 404);

    // A unit's answer shows on the kept page at once.
    sqlx::query(
        "UPDATE supervision_flags SET answer = '已安排专人补报。', answered_by = 'x'
         WHERE id = (SELECT max(id) FROM supervision_flags)",
    )
    .execute(&app.pool)
    .await
    .expect("answer");
    let doc = app
        .page_as(&sup, &format!("{LEDGER}?level=red&open=1&sort=latest"))
        .await;
    let doc_all = app.page_as(&sup, &format!("{LEDGER}?sort=latest")).await;
    let answers = [
        texts(&doc, "td[data-label='说明']"),
        texts(&doc_all, "td[data-label='说明']"),
    ]
    .concat();
    assert!(
        answers.iter().any(|a| a.contains("已安排专人补报")),
        "{answers:?}"
    );
}

async fn open_counts_all(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) FROM supervision_flags WHERE level = 'red' AND cleared_at IS NULL",
    )
    .await
}
