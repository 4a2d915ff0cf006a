//! Two people at the same moment: two first saves of a report, a file uploaded while the
//! report is being submitted, two reviewers, two supervisors creating rounds (admins' races are
//! in `admin_races`); and a milestone count cleared. Where timing matters, the test holds the
//! other side's transaction open until the request under test waits for it.

use std::time::Duration;

use plan_portal::accounts::model::UserRole;

use crate::fixtures::{form_fields, open_round, report_form};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

async fn gaoping_reporter(app: &TestApp) -> (reqwest::Client, i64) {
    app.create_user("gp-rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let client = app.new_client();
    app.login_with(&client, "gp-rep", PASSWORD).await;
    (client, app.unit_id("高平市人民政府").await)
}

/// The race, forced: waits until the request `sent` waits for the lock that `other` (the
/// other person's transaction) holds, commits `other`, and returns the request's answer.
pub async fn after_the_other_commits(
    app: &TestApp,
    other: sqlx::Transaction<'static, sqlx::Postgres>,
    sent: tokio::task::JoinHandle<reqwest::Result<reqwest::Response>>,
) -> reqwest::Response {
    until_a_session_waits_for_a_lock(app).await;
    other.commit().await.expect("commit");
    sent.await.expect("task").expect("answered")
}

/// Waits (bounded) until some session of the test database waits for a lock.
async fn until_a_session_waits_for_a_lock(app: &TestApp) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.pool)
        .await
        .expect("activity");
        if waiting > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the request never reached the row another transaction holds");
}

#[tokio::test]
async fn of_two_first_saves_at_once_the_later_is_refused() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let (client, gp) = gaoping_reporter(&app).await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, version) = form_fields(&client, &format!("{}{path}", app.address)).await;
    assert_eq!(version, "0");

    // Another first save of the same report is under way and not yet committed: the form's
    // own save, from version 0 too, finds no row to lock and must wait for it.
    let mut other = app.pool.begin().await.expect("transaction");
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, status, progress)
         SELECT $1, i.id, $2, 'in_progress', '甲的第一版' FROM items i WHERE i.key = 'task-1'",
    )
    .bind(round)
    .bind(gp)
    .execute(&mut *other)
    .await
    .expect("other save");
    let form = report_form(&csrf, "0", "save", "乙的第一版");
    let url = format!("{}{path}", app.address);
    let owned: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let save = tokio::spawn(async move { client.post(url).form(&owned).send().await });
    let resp = after_the_other_commits(&app, other, save).await;
    assert_eq!(resp.status(), 409);
    let body = resp.text().await.expect("body");
    assert!(body.contains("已被他人保存"), "the conflict is explained");
    let (progress, version): (String, i32) =
        sqlx::query_as("SELECT progress, version FROM reports WHERE round_id = $1")
            .bind(round)
            .fetch_one(&app.pool)
            .await
            .expect("report");
    assert_eq!((progress.as_str(), version), ("甲的第一版", 1));
}

#[tokio::test]
async fn a_milestone_count_left_blank_clears_the_earlier_one() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let (client, gp) = gaoping_reporter(&app).await;
    let milestone: i64 = sqlx::query_scalar(
        "SELECT id FROM milestones WHERE key = 'project-2-mountain-torrent-gullies'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("milestone");
    let field = format!("ms_{milestone}");
    let path = format!("/rounds/{round}/reports/project-2/{gp}");
    let url = format!("{}{path}", app.address);
    let achieved = || async {
        sqlx::query_scalar::<_, i32>("SELECT achieved FROM report_milestones")
            .fetch_all(&app.pool)
            .await
            .expect("counts")
    };

    for (count, expected) in [("3", vec![3]), ("", vec![])] {
        let (_, csrf, version) = form_fields(&client, &url).await;
        let mut form = report_form(&csrf, &version, "save", "两条沟道已完工");
        form.push((&field, count));
        let resp = app.post_form(&client, &path, &form).await;
        assert_eq!(resp.status(), 303, "save with count {count:?}");
        assert_eq!(achieved().await, expected, "after a save with {count:?}");
    }
    // The page and the version log agree with the table.
    let doc = app.page_as(&client, &path).await;
    let value = crate::helpers::select(&doc, &format!("#{field}"))[0]
        .value()
        .attr("value")
        .map(str::to_string);
    assert_eq!(value.as_deref(), Some(""));
    let logged: serde_json::Value = sqlx::query_scalar(
        "SELECT content->'milestones' FROM report_versions ORDER BY version DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .expect("version");
    assert_eq!(logged, serde_json::json!([]));
}

#[tokio::test]
async fn a_file_cannot_land_on_a_report_submitted_while_it_uploaded() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let (client, gp) = gaoping_reporter(&app).await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&client, &format!("{}{path}", app.address)).await;
    let draft = report_form(&csrf, "0", "save", "草稿");
    assert_eq!(app.post_form(&client, &path, &draft).await.status(), 303);

    // A submission holds the report's row and has not committed yet.
    let mut submitting = app.pool.begin().await.expect("transaction");
    sqlx::query(
        "UPDATE reports SET state = 'submitted', version = version + 1 WHERE round_id = $1",
    )
    .bind(round)
    .execute(&mut *submitting)
    .await
    .expect("submit");
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4\n% late\n".to_vec()).file_name("late.pdf"),
        );
    let url = format!("{}{path}/evidence", app.address);
    let upload = tokio::spawn(async move { client.post(url).multipart(form).send().await });
    let resp = after_the_other_commits(&app, submitting, upload).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.expect("body").contains("报告已报送"));
    let files: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(files, 0);
}

#[tokio::test]
async fn the_reviewer_who_lost_a_race_is_shown_the_report_as_it_now_is() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let (client, gp) = gaoping_reporter(&app).await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf, _) = form_fields(&client, &url).await;
    let submit = report_form(&csrf, "0", "submit", "已报送");
    assert_eq!(app.post_form(&client, &path, &submit).await.status(), 303);
    let mut sups = Vec::new();
    for name in ["sup-a", "sup-b"] {
        app.create_user(name, UserRole::Supervisor, None).await;
        let c = app.new_client();
        app.login_with(&c, name, PASSWORD).await;
        let (_, csrf, version) = form_fields(&c, &url).await;
        sups.push((c, csrf, version));
    }
    let review = format!("{path}/review");
    let (a, a_csrf, a_version) = &sups[0];
    let returned = [
        ("csrf", a_csrf.as_str()),
        ("version", a_version.as_str()),
        ("action", "return"),
        ("comment", "请补充数据"),
    ];
    assert_eq!(app.post_form(a, &review, &returned).await.status(), 303);

    let (b, b_csrf, b_version) = &sups[1];
    assert_eq!(a_version, b_version);
    let accept = [
        ("csrf", b_csrf.as_str()),
        ("version", b_version.as_str()),
        ("action", "accept"),
    ];
    let resp = app.post_form(b, &review, &accept).await;
    assert_eq!(resp.status(), 409);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let (now, state): (i32, String) =
        sqlx::query_as("SELECT version, state::text FROM reports WHERE round_id = $1")
            .bind(round)
            .fetch_one(&app.pool)
            .await
            .expect("report");
    assert_eq!(
        state, "returned",
        "the return stands; the late acceptance changed nothing"
    );
    let offered: Vec<String> = crate::helpers::select(&doc, "input[name=version]")
        .iter()
        .filter_map(|e| e.value().attr("value").map(str::to_string))
        .collect();
    assert!(
        offered.iter().all(|v| *v == now.to_string()),
        "the page offers version {now}, not the stale one: {offered:?}"
    );
    assert!(
        crate::helpers::texts(&doc, "main")
            .join("")
            .contains("已退回")
    );
}

#[tokio::test]
async fn two_rounds_created_at_once_get_different_keys() {
    let app = spawn_app().await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    let csrf = app.csrf(&sup).await;
    let plan: i64 = sqlx::query_scalar("SELECT id FROM plans")
        .fetch_one(&app.pool)
        .await
        .expect("plan");

    // The other supervisor's round is being created: it holds the plan's turn and its
    // ad-hoc round 1 is not yet committed.
    let mut other = app.pool.begin().await.expect("transaction");
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('ad-hoc-round:' || $1::bigint::text))")
        .bind(plan)
        .execute(&mut *other)
        .await
        .expect("turn");
    sqlx::query(
        "INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
         VALUES ($1, 'adhoc-1', '他人的轮次', 'ad_hoc', current_date - 30, current_date, current_date, current_date + 7, 'other')",
    )
    .bind(plan)
    .execute(&mut *other)
    .await
    .expect("other round");
    let today = plan_portal::reports::today();
    let form: Vec<(String, String)> = [
        ("csrf", csrf),
        ("title", "中期评估数据征集".to_string()),
        ("period_start", "2021-01-01".to_string()),
        ("period_end", "2023-06-30".to_string()),
        ("opens_on", today.to_string()),
        ("due_on", (today + chrono::Duration::days(7)).to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let url = format!("{}/rounds", app.address);
    let create = tokio::spawn(async move { sup.post(url).form(&form).send().await });
    let resp = after_the_other_commits(&app, other, create).await;
    assert_eq!(resp.status(), 303);
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT key FROM reporting_rounds WHERE kind = 'ad_hoc' ORDER BY key")
            .fetch_all(&app.pool)
            .await
            .expect("keys");
    assert_eq!(keys, ["adhoc-1", "adhoc-2"]);
}
