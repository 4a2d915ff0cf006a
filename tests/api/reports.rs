//! The reporting workflow end to end: a county reporter through to the supervisor's
//! acceptance, returns and resubmission, conflicts, permissions, reminders, the board.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

/// An ad-hoc round open today, due in a week; returns its id.
async fn open_round(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, 'test-round', '测试填报轮次', 'ad_hoc', current_date - 30, current_date,
                  current_date - 1, current_date + 7, 'test' FROM plans RETURNING id"#,
    )
    .fetch_one(&app.pool)
    .await
    .expect("round")
}

/// Reads the report form's hidden fields.
async fn form_fields(client: &reqwest::Client, url: &str) -> (u16, String, String) {
    let resp = client.get(url).send().await.expect("answered");
    let status = resp.status().as_u16();
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let v = |sel: &str| {
        select(&doc, sel)
            .first()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_default()
            .to_string()
    };
    (
        status,
        v("main form input[name=csrf]"),
        v("main form input[name=version]"),
    )
}

struct Cast {
    rep: reqwest::Client,
    appr: reqwest::Client,
    sup: reqwest::Client,
}

async fn cast(app: &TestApp) -> Cast {
    app.create_user("gp-rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("gp-appr", UserRole::Approver, Some("高平市人民政府"))
        .await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let c = Cast {
        rep: app.new_client(),
        appr: app.new_client(),
        sup: app.new_client(),
    };
    for (client, name) in [(&c.rep, "gp-rep"), (&c.appr, "gp-appr"), (&c.sup, "sup")] {
        assert_eq!(app.login_with(client, name, PASSWORD).await.status(), 303);
    }
    c
}

async fn state_of(app: &TestApp, round: i64) -> Option<String> {
    sqlx::query_scalar(
        "SELECT r.state::text FROM reports r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id
         WHERE r.round_id = $1 AND i.key = 'task-1' AND u.name = '高平市人民政府'",
    )
    .bind(round)
    .fetch_optional(&app.pool)
    .await
    .expect("state")
}

fn report_form<'a>(
    csrf: &'a str,
    version: &'a str,
    action: &'a str,
    progress: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("version", version),
        ("action", action),
        ("status", "in_progress"),
        ("percent", "40"),
        ("progress", progress),
        ("problems", "基层执法力量不足"),
        ("next_steps", "下季度完成清单修订"),
    ]
}

#[tokio::test]
async fn a_county_report_goes_from_draft_to_acceptance_with_a_return_on_the_way() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);

    // The reporter's to-do lists the item, reached through the county group.
    let todo = c
        .rep
        .get(format!("{}/todo", app.address))
        .send()
        .await
        .expect("todo")
        .text()
        .await
        .expect("body");
    let doc = scraper::Html::parse_document(&todo);
    let due = texts(&doc, "#h-due + .table-wrap td[data-label='事项']");
    assert!(
        due.iter().any(|t| t.contains("强化安全生产责任体系建设")),
        "{due:?}"
    );

    // Submitting without progress is refused, with the input kept.
    let (status, csrf, version) = form_fields(&c.rep, &url).await;
    assert_eq!((status, version.as_str()), (200, "0"));
    let resp = app
        .post_form(&c.rep, &path, &report_form(&csrf, "0", "submit", ""))
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "#progress-error"), ["报送前请填写工作进展"]);
    assert_eq!(texts(&doc, "#problems"), ["基层执法力量不足"]);
    assert_eq!(state_of(&app, round).await, None, "nothing saved");

    // Save a draft, then submit: the unit has an approver, so it goes to them first.
    let resp = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, "0", "save", "已制定职责清单"),
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(state_of(&app, round).await.as_deref(), Some("draft"));
    let resp = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, "1", "submit", "已制定职责清单并印发"),
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        state_of(&app, round).await.as_deref(),
        Some("awaiting_approval")
    );
    // Once sent on, the reporter cannot change it.
    let resp = app
        .post_form(&c.rep, &path, &report_form(&csrf, "2", "save", "改一下"))
        .await;
    assert_eq!(resp.status(), 409);

    // The approver signs off; the supervisor returns it with a comment (a comment is required).
    let (_, appr_csrf, v) = form_fields(&c.appr, &url).await;
    let resp = app
        .post_form(
            &c.appr,
            &format!("{path}/review"),
            &[("csrf", &appr_csrf), ("version", &v), ("action", "approve")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(state_of(&app, round).await.as_deref(), Some("submitted"));
    let (_, sup_csrf, v) = form_fields(&c.sup, &url).await;
    let resp = app
        .post_form(
            &c.sup,
            &format!("{path}/review"),
            &[("csrf", &sup_csrf), ("version", &v), ("action", "return")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let resp = app
        .post_form(
            &c.sup,
            &format!("{path}/review"),
            &[
                ("csrf", &sup_csrf),
                ("version", &v),
                ("action", "return"),
                ("comment", "请补充清单印发文号"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(state_of(&app, round).await.as_deref(), Some("returned"));

    // The reporter sees it under 已退回 with the comment, revises and resubmits.
    let todo = c
        .rep
        .get(format!("{}/todo", app.address))
        .send()
        .await
        .expect("todo")
        .text()
        .await
        .expect("body");
    let doc = scraper::Html::parse_document(&todo);
    assert_eq!(
        texts(&doc, "#h-returned + .table-wrap td[data-label='状态']"),
        ["已退回"]
    );
    let page = c
        .rep
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("请补充清单印发文号"));
    let (_, csrf, v) = form_fields(&c.rep, &url).await;
    let resp = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, &v, "submit", "已印发职责清单（高安办〔2024〕3号）"),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, appr_csrf, v) = form_fields(&c.appr, &url).await;
    app.post_form(
        &c.appr,
        &format!("{path}/review"),
        &[("csrf", &appr_csrf), ("version", &v), ("action", "approve")],
    )
    .await;
    let (_, sup_csrf, v) = form_fields(&c.sup, &url).await;
    let resp = app
        .post_form(
            &c.sup,
            &format!("{path}/review"),
            &[("csrf", &sup_csrf), ("version", &v), ("action", "accept")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(state_of(&app, round).await.as_deref(), Some("accepted"));

    // Every version is kept and shown; an accepted report is never edited in place.
    let versions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM report_versions ORDER BY version")
            .fetch_all(&app.pool)
            .await
            .expect("versions");
    assert_eq!(
        versions,
        [
            "save", "submit", "approve", "return", "submit", "approve", "accept"
        ]
    );
    let doc = scraper::Html::parse_document(
        &c.rep
            .get(&url)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    assert_eq!(select(&doc, "#h-history + .table-wrap tbody tr").len(), 7);
    assert!(
        select(&doc, "textarea#progress").is_empty(),
        "no form on an accepted report"
    );
    let resp = app
        .post_form(&c.rep, &path, &report_form(&csrf, "7", "save", "再改"))
        .await;
    assert_eq!(resp.status(), 409);
    let err = sqlx::query("UPDATE report_versions SET comment = 'x'")
        .execute(&app.pool)
        .await
        .expect_err("immutable");
    assert!(err.to_string().contains("append-only"));
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"report.save".to_string())
            && actions.contains(&"report.transition".to_string())
    );
}

#[tokio::test]
async fn the_second_of_two_concurrent_saves_is_refused_and_shows_the_newer_version() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("rep-a", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("rep-b", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let (a, b) = (app.new_client(), app.new_client());
    app.login_with(&a, "rep-a", PASSWORD).await;
    app.login_with(&b, "rep-b", PASSWORD).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf_a, _) = form_fields(&a, &url).await;
    assert_eq!(
        app.post_form(&a, &path, &report_form(&csrf_a, "0", "save", "第一版"))
            .await
            .status(),
        303
    );
    // Both now have version 1 open.
    let (_, csrf_a, va) = form_fields(&a, &url).await;
    let (_, csrf_b, vb) = form_fields(&b, &url).await;
    assert_eq!((va.as_str(), vb.as_str()), ("1", "1"));
    assert_eq!(
        app.post_form(&a, &path, &report_form(&csrf_a, &va, "save", "甲的修改"))
            .await
            .status(),
        303
    );
    let resp = app
        .post_form(&b, &path, &report_form(&csrf_b, &vb, "save", "乙的修改"))
        .await;
    assert_eq!(resp.status(), 409);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let alert = texts(&doc, ".form-error").join("");
    assert!(
        alert.contains("已被他人保存") && alert.contains("甲的修改"),
        "{alert}"
    );
    assert_eq!(texts(&doc, "#progress"), ["乙的修改"], "B's input is kept");
    let progress: String = sqlx::query_scalar("SELECT progress FROM reports")
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(progress, "甲的修改", "nothing silently overwritten");
}

#[tokio::test]
async fn who_may_do_what_with_a_report() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    app.create_user("zz-rep", UserRole::Reporter, Some("泽州县人民政府"))
        .await;
    app.create_user("boss", UserRole::Leader, None).await;
    let (other, leader) = (app.new_client(), app.new_client());
    app.login_with(&other, "zz-rep", PASSWORD).await;
    app.login_with(&leader, "boss", PASSWORD).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf, _) = form_fields(&c.rep, &url).await;
    app.post_form(&c.rep, &path, &report_form(&csrf, "0", "submit", "已完成"))
        .await;
    let snapshot = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM report_versions")
            .fetch_one(&app.pool)
            .await
            .expect("n")
    };
    let before = snapshot().await;

    // Another county's reporter: neither reads nor writes.
    let (status, other_csrf, _) = form_fields(&other, &url).await;
    assert_eq!(status, 403);
    let other_csrf = if other_csrf.is_empty() {
        app.csrf(&other).await
    } else {
        other_csrf
    };
    assert_eq!(
        app.post_form(&other, &path, &report_form(&other_csrf, "2", "save", "x"))
            .await
            .status(),
        403
    );
    // A leader reads, changes nothing.
    assert_eq!(form_fields(&leader, &url).await.0, 200);
    let leader_csrf = app.csrf(&leader).await;
    assert_eq!(
        app.post_form(&leader, &path, &report_form(&leader_csrf, "2", "save", "x"))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post_form(
            &leader,
            &format!("{path}/review"),
            &[
                ("csrf", &leader_csrf),
                ("version", "2"),
                ("action", "accept")
            ]
        )
        .await
        .status(),
        403
    );
    // The reporter cannot sign off or accept their own report; the approver cannot accept;
    // the supervisor cannot write the unit's report.
    let rep_csrf = app.csrf(&c.rep).await;
    assert_eq!(
        app.post_form(
            &c.rep,
            &format!("{path}/review"),
            &[("csrf", &rep_csrf), ("version", "2"), ("action", "approve")]
        )
        .await
        .status(),
        403
    );
    let appr_csrf = app.csrf(&c.appr).await;
    assert_eq!(
        app.post_form(
            &c.appr,
            &format!("{path}/review"),
            &[("csrf", &appr_csrf), ("version", "2"), ("action", "accept")]
        )
        .await
        .status(),
        403
    );
    let sup_csrf = app.csrf(&c.sup).await;
    assert_eq!(
        app.post_form(&c.sup, &path, &report_form(&sup_csrf, "2", "save", "x"))
            .await
            .status(),
        403
    );
    // Anonymous visitors go to the login page; an item the unit does not answer for is no page.
    let anon = app.new_client();
    assert_eq!(anon.get(&url).send().await.expect("answered").status(), 303);
    let not_ours = format!("{}/rounds/{round}/reports/task-21/{gp}", app.address);
    assert_eq!(
        c.rep
            .get(&not_ours)
            .send()
            .await
            .expect("answered")
            .status(),
        404
    );
    assert_eq!(snapshot().await, before, "nothing changed");
}

#[tokio::test]
async fn supervisors_see_the_board_create_rounds_and_send_reminders() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let sup_csrf = app.csrf(&c.sup).await;
    // A data call for the mid-term evaluation; bad dates come back with the input kept.
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", &sup_csrf),
                ("title", "中期评估数据征集"),
                ("period_start", "2021-01-01"),
                ("period_end", "2023-06-30"),
                ("opens_on", "2099-01-10"),
                ("due_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(!texts(&doc, "#due_on-error").is_empty());
    assert_eq!(
        select(&doc, "#title")[0].value().attr("value"),
        Some("中期评估数据征集")
    );
    let today = chrono::Utc::now().date_naive();
    let (opens, due) = (
        (today - chrono::Duration::days(1)).to_string(),
        (today + chrono::Duration::days(5)).to_string(),
    );
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", &sup_csrf),
                ("title", "中期评估数据征集"),
                ("scope", "截至2023年6月底的进展"),
                ("period_start", "2021-01-01"),
                ("period_end", "2023-06-30"),
                ("opens_on", &opens),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let board = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let round: i64 = board
        .split('/')
        .nth(2)
        .and_then(|s| s.parse().ok())
        .expect("round id");

    let doc = scraper::Html::parse_document(
        &c.sup
            .get(format!("{}{board}", app.address))
            .send()
            .await
            .expect("board")
            .text()
            .await
            .expect("body"),
    );
    let lines = select(&doc, "tbody tr").len();
    assert!(lines > 100, "every item × unit: {lines}");
    // The reporter sees only their own unit's lines.
    let doc = scraper::Html::parse_document(
        &c.rep
            .get(format!("{}{board}", app.address))
            .send()
            .await
            .expect("board")
            .text()
            .await
            .expect("body"),
    );
    let units: Vec<String> = texts(&doc, "td[data-label='单位']");
    assert!(
        !units.is_empty() && units.iter().all(|u| u.starts_with("高平市人民政府")),
        "{units:?}"
    );

    // A reminder lands on the unit's to-do list; others cannot send one.
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let rep_csrf = app.csrf(&c.rep).await;
    let resp = app
        .post_form(
            &c.rep,
            &format!("/rounds/{round}/remind"),
            &[
                ("csrf", &rep_csrf),
                ("unit_id", &gp.to_string()),
                ("message", "x"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = app
        .post_form(
            &c.sup,
            &format!("/rounds/{round}/remind"),
            &[
                ("csrf", &sup_csrf),
                ("unit_id", &gp.to_string()),
                ("message", "请尽快报送中期评估数据"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let todo = c
        .rep
        .get(format!("{}/todo", app.address))
        .send()
        .await
        .expect("todo")
        .text()
        .await
        .expect("body");
    assert!(todo.contains("请尽快报送中期评估数据"));
    let actions = app.audit_actions().await;
    assert!(
        actions.contains(&"round.create".to_string())
            && actions.contains(&"round.remind".to_string())
    );
}

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    csrf: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        );
    client
        .post(format!("{}{path}/evidence", app.address))
        .multipart(form)
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn evidence_is_checked_stored_and_served_only_to_readers() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    app.create_user("zz-rep", UserRole::Reporter, Some("泽州县人民政府"))
        .await;
    let other = app.new_client();
    app.login_with(&other, "zz-rep", PASSWORD).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let (_, csrf, _) = form_fields(&c.rep, &url).await;
    let pdf = b"%PDF-1.4\n% test evidence\n".to_vec();

    // Nothing to attach to before the first save.
    assert_eq!(
        upload(&app, &c.rep, &path, &csrf, "a.pdf", pdf.clone())
            .await
            .status(),
        400
    );
    app.post_form(&c.rep, &path, &report_form(&csrf, "0", "save", "草稿"))
        .await;

    // Judged by content: an HTML page named .pdf is refused.
    let resp = upload(
        &app,
        &c.rep,
        &path,
        &csrf,
        "evil.pdf",
        b"<html><script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.expect("body").contains("只接受 PDF"));
    // A good file, with a hostile name.
    let resp = upload(
        &app,
        &c.rep,
        &path,
        &csrf,
        "../../职责清单.pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let (name, sha): (String, Vec<u8>) = sqlx::query_as("SELECT filename, sha256 FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(name, "职责清单.pdf");
    assert_eq!(sha.len(), 32);

    // Listed on the page; downloaded as an attachment, byte for byte, by readers only.
    let doc = scraper::Html::parse_document(
        &c.rep
            .get(&url)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    let href = select(&doc, ".evidence-list a")[0]
        .value()
        .attr("href")
        .unwrap_or_default()
        .to_string();
    let resp = c
        .rep
        .get(format!("{}{href}", app.address))
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), 200);
    let disposition = resp
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''"),
        "{disposition}"
    );
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), pdf);
    assert_eq!(
        c.sup
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        200
    );
    assert_eq!(
        other
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        403
    );
    assert_eq!(
        app.new_client()
            .get(format!("{}{href}", app.address))
            .send()
            .await
            .expect("download")
            .status(),
        303
    );

    // Too large: a friendly page, not a dropped connection; nothing stored.
    let big = [b"%PDF-1.4\n".to_vec(), vec![b'x'; 21 * 1024 * 1024]].concat();
    let resp = upload(&app, &c.rep, &path, &csrf, "big.pdf", big).await;
    assert_eq!(resp.status(), 413);
    assert!(resp.text().await.expect("body").contains("文件过大"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence")
        .fetch_one(&app.pool)
        .await
        .expect("n");
    assert_eq!(n, 1);
    assert!(
        app.audit_actions()
            .await
            .contains(&"evidence.upload".to_string())
    );
}

#[tokio::test]
async fn the_lead_unit_sees_its_partners_reports_beside_its_own() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("yjj-rep", UserRole::Reporter, Some("市应急局"))
        .await;
    let c = cast(&app).await;
    let lead = app.new_client();
    app.login_with(&lead, "yjj-rep", PASSWORD).await;
    let unit = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .expect("unit")
        }
    };
    let (yjj, gp) = (unit("市应急局").await, unit("高平市人民政府").await);
    // 高平 reports on sub-target 1, which 市应急局 leads.
    let gp_path = format!("/rounds/{round}/reports/subtarget-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{gp_path}", app.address)).await;
    assert_eq!(
        app.post_form(
            &c.rep,
            &gp_path,
            &report_form(&csrf, "0", "submit", "高平已配备执法装备")
        )
        .await
        .status(),
        303
    );

    let own = format!("{}/rounds/{round}/reports/subtarget-1/{yjj}", app.address);
    let doc = scraper::Html::parse_document(
        &lead
            .get(&own)
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("body"),
    );
    let partners = texts(&doc, ".partner-list a");
    assert!(
        partners.contains(&"高平市人民政府".to_string())
            && partners.contains(&"市财政局".to_string()),
        "{partners:?}"
    );
    assert_eq!(
        select(&doc, ".notice-bar").len(),
        1,
        "told that its report is the consolidated one"
    );
    // It reads the partner's report but cannot change it, and reads nothing it does not lead.
    let resp = lead
        .get(format!("{}{gp_path}", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("高平已配备执法装备")
    );
    let lead_csrf = app.csrf(&lead).await;
    assert_eq!(
        app.post_form(&lead, &gp_path, &report_form(&lead_csrf, "2", "save", "x"))
            .await
            .status(),
        403
    );
    let not_led = format!("{}/rounds/{round}/reports/task-1/{gp}", app.address);
    assert_eq!(lead.get(&not_led).send().await.expect("page").status(), 403);
}
