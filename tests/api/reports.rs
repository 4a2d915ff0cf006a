//! The reporting workflow end to end: a county reporter through to the supervisor's
//! acceptance, returns and resubmission, conflicts, who may do what with a report.

use plan_portal::accounts::model::UserRole;

use crate::fixtures::{cast, form_fields, open_round, report_form, state_of};
use crate::helpers::{PASSWORD, select, spawn_app, texts};

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
    let due = texts(&doc, "#h-due ~ .table-wrap td[data-label='事项']");
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
async fn line_breaks_sent_as_browsers_send_them_are_kept_as_lf() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp: i64 = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let form = report_form(&csrf, "0", "save", "第一行\r\n第二行\r第三行");
    assert_eq!(app.post_form(&c.rep, &path, &form).await.status(), 303);
    let progress: String = sqlx::query_scalar("SELECT progress FROM reports")
        .fetch_one(&app.pool)
        .await
        .expect("report");
    assert_eq!(progress, "第一行\n第二行\n第三行");
}
