//! A unit's whole round on one page (批量填报): saved in one go with nothing lost, rows started
//! from the previous report, submitted and signed off in batches; and text that is too long,
//! or typed before an upload, kept.

use scraper::Html;

use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{TestApp, select, spawn_app, texts};

/// Every field a browser would send from the sheet's form, checkboxes and buttons aside.
fn form_values(doc: &Html) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in select(
        doc,
        "form.batch-form input, form.batch-form select, form.batch-form textarea",
    ) {
        let v = e.value();
        let Some(name) = v.attr("name") else { continue };
        let value = match v.name() {
            "input" if v.attr("type") == Some("checkbox") => continue,
            "input" => v.attr("value").unwrap_or_default().to_string(),
            "textarea" => e.text().collect(),
            _ => e
                .select(&scraper::Selector::parse("option[selected]").expect("selector"))
                .next()
                .and_then(|o| o.value().attr("value"))
                .unwrap_or_default()
                .to_string(),
        };
        out.push((name.to_string(), value));
    }
    out
}

/// `fields` with `name` set to `value` (added if absent).
fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

async fn item_id(app: &TestApp, key: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM items WHERE key = $1")
        .bind(key)
        .fetch_one(&app.pool)
        .await
        .expect("item")
}

async fn report(app: &TestApp, round: i64, item: i64) -> Option<(String, String)> {
    sqlx::query_as("SELECT state::text, progress FROM reports WHERE round_id = $1 AND item_id = $2")
        .bind(round)
        .bind(item)
        .fetch_optional(&app.pool)
        .await
        .expect("report")
}

async fn sheet(client: &reqwest::Client, url: &str) -> (u16, Html) {
    let resp = client.get(url).send().await.expect("sheet");
    let status = resp.status().as_u16();
    (
        status,
        Html::parse_document(&resp.text().await.expect("body")),
    )
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("answered")
}

/// The page a 303 answer sends the browser to.
async fn follow(client: &reqwest::Client, base: &str, resp: reqwest::Response) -> Html {
    assert_eq!(resp.status(), 303, "redirected after the change");
    let to = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let page = client
        .get(format!("{base}{to}"))
        .send()
        .await
        .expect("page");
    Html::parse_document(&page.text().await.expect("body"))
}

#[tokio::test]
async fn a_county_fills_its_round_on_one_page_and_a_bad_row_loses_nothing() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/units/{gp}/batch");
    let url = format!("{}{path}", app.address);

    // 待办 links the sheet.
    let todo = Html::parse_document(
        &c.rep
            .get(format!("{}/todo", app.address))
            .send()
            .await
            .expect("todo")
            .text()
            .await
            .expect("body"),
    );
    let link = select(&todo, "a")
        .into_iter()
        .find(|a| a.text().collect::<String>().contains("批量填报"))
        .and_then(|a| a.value().attr("href").map(str::to_string));
    assert_eq!(link.as_deref(), Some(path.as_str()));

    let (status, doc) = sheet(&c.rep, &url).await;
    assert_eq!(status, 200);
    let rows = select(&doc, "select[name^='status_']").len();
    assert!(
        rows >= 40,
        "a status field for each of the county's items: {rows}"
    );

    let (a, b) = (item_id(&app, "task-1").await, item_id(&app, "task-2").await);
    let kept_text = "乙项的工作进展，一个字也不能丢。";
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "save");
    set(
        &mut fields,
        &format!("progress_{a}"),
        "甲项已完成年度部署。",
    );
    set(&mut fields, &format!("percent_{a}"), "30");
    set(&mut fields, &format!("progress_{b}"), kept_text);
    set(&mut fields, &format!("percent_{b}"), "150");
    let resp = post(&c.rep, &url, &fields).await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(
        texts(&doc, &format!("#progress_{b}")),
        [kept_text],
        "the bad row keeps what was typed"
    );
    assert!(!texts(&doc, &format!("#percent_{b}-error")).is_empty());
    assert_eq!(
        select(&doc, &format!("#percent_{b}"))[0]
            .value()
            .attr("value"),
        Some("150")
    );
    assert!(
        texts(&doc, "[role=alert]")
            .join("")
            .contains("有 1 项未能保存")
    );
    assert_eq!(
        report(&app, round, a).await,
        Some(("draft".into(), "甲项已完成年度部署。".into())),
        "every other row is saved"
    );
    assert_eq!(report(&app, round, b).await, None);
    let saved: i64 = sqlx::query_scalar("SELECT count(*) FROM reports WHERE round_id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(saved, 1, "rows left as they were are not saved");
    let ips: Vec<Option<String>> =
        sqlx::query_scalar("SELECT DISTINCT ip FROM audit_log WHERE action = 'report.save'")
            .fetch_all(&app.pool)
            .await
            .expect("audit");
    assert_eq!(
        ips,
        [Some("127.0.0.1".to_string())],
        "the audit log says where from"
    );

    // Corrected and submitted with its box ticked: on to the unit's approver.
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "submit");
    set(&mut fields, &format!("percent_{b}"), "40");
    set(&mut fields, &format!("pick_{b}"), "1");
    let resp = post(&c.rep, &url, &fields).await;
    let doc = follow(&c.rep, &app.address, resp).await;
    assert_eq!(
        texts(&doc, "p.form-ok"),
        ["已报送 1 项，等待本单位审核人签批。"]
    );
    assert_eq!(
        report(&app, round, b).await,
        Some(("awaiting_approval".into(), kept_text.into()))
    );
    assert_eq!(
        report(&app, round, a).await.map(|r| r.0).as_deref(),
        Some("draft")
    );

    // Submitting with nothing ticked saves nothing and says why.
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "submit");
    set(&mut fields, &format!("progress_{a}"), "改了但未勾选");
    let resp = post(&c.rep, &url, &fields).await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, &format!("#progress_{a}")), ["改了但未勾选"]);
    assert_eq!(
        report(&app, round, a).await.map(|r| r.1).as_deref(),
        Some("甲项已完成年度部署。")
    );
}

#[tokio::test]
async fn copy_last_starts_a_row_from_the_previous_report_marked_until_edited() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let earlier: i64 = sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, 'earlier', '上一轮次', 'ad_hoc', current_date - 120, current_date - 60,
                  current_date - 70, current_date - 40, 'test' FROM plans RETURNING id"#,
    )
    .fetch_one(&app.pool)
    .await
    .expect("round");
    let earlier_path = format!("/rounds/{earlier}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{earlier_path}", app.address)).await;
    let last = "上季度：完成责任清单修订。";
    let resp = app
        .post_form(
            &c.rep,
            &earlier_path,
            &report_form(&csrf, "0", "save", last),
        )
        .await;
    assert_eq!(resp.status(), 303);

    let round = open_round(&app).await;
    let a = item_id(&app, "task-1").await;
    let url = format!("{}/rounds/{round}/units/{gp}/batch", app.address);
    let (_, doc) = sheet(&c.rep, &url).await;
    let mut fields = form_values(&doc);
    set(&mut fields, "action", &format!("copy_{a}"));
    let resp = post(&c.rep, &url, &fields).await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, &format!("#progress_{a}")), [last]);
    let mark = format!("#row-{a} legend .tag");
    assert_eq!(texts(&doc, &mark), ["沿用上一轮次，尚未修改"]);
    assert_eq!(report(&app, round, a).await, None, "copying saves nothing");

    // Saved as copied, it stays marked; edited, the mark goes.
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "save");
    assert_eq!(post(&c.rep, &url, &fields).await.status(), 303);
    let (_, doc) = sheet(&c.rep, &url).await;
    assert_eq!(texts(&doc, &mark), ["沿用上一轮次，尚未修改"]);
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "save");
    set(
        &mut fields,
        &format!("progress_{a}"),
        "本季度：清单已印发。",
    );
    assert_eq!(post(&c.rep, &url, &fields).await.status(), 303);
    let (_, doc) = sheet(&c.rep, &url).await;
    assert!(texts(&doc, &mark).is_empty());
}

#[tokio::test]
async fn an_approver_signs_off_several_reports_at_once() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let url = format!("{}/rounds/{round}/units/{gp}/batch", app.address);
    let items = [item_id(&app, "task-1").await, item_id(&app, "task-2").await];

    let (_, doc) = sheet(&c.rep, &url).await;
    // 保存并报送全部已填写事项: the two rows written go, the rows left blank stay.
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "submit_filled");
    for id in items {
        set(&mut fields, &format!("progress_{id}"), "按计划推进。");
    }
    assert_eq!(post(&c.rep, &url, &fields).await.status(), 303);
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM reports WHERE round_id = $1")
        .bind(round)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(sent, 2);

    // Neither the reporter nor the bureau's supervisor signs off for the unit.
    let (_, doc) = sheet(&c.rep, &url).await;
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "approve");
    assert_eq!(post(&c.rep, &url, &fields).await.status(), 403);
    assert_eq!(sheet(&c.sup, &url).await.0, 403);

    let (status, doc) = sheet(&c.appr, &url).await;
    assert_eq!(status, 200);
    let mut fields = form_values(&doc);
    set(&mut fields, "action", "approve");
    for id in items {
        set(&mut fields, &format!("pick_{id}"), "1");
    }
    let resp = post(&c.appr, &url, &fields).await;
    let doc = follow(&c.appr, &app.address, resp).await;
    assert_eq!(texts(&doc, "p.form-ok"), ["已签批 2 项，报送市应急局。"]);
    for id in items {
        assert_eq!(
            report(&app, round, id).await.map(|r| r.0).as_deref(),
            Some("submitted")
        );
    }
}

#[tokio::test]
async fn text_past_the_limit_is_refused_whole_with_the_limit_in_characters() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let long = "安".repeat(6000);
    let resp = app
        .post_form(&c.rep, &path, &report_form(&csrf, "0", "save", &long))
        .await;
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "#progress"), [long.as_str()], "kept whole");
    let message = texts(&doc, "#progress-error").join("");
    assert!(
        message.contains("5000 字") && message.contains("6000 字"),
        "{message}"
    );
    assert!(
        select(&doc, "textarea[maxlength]").is_empty(),
        "no silent cut"
    );
    assert!(
        texts(&doc, "label[for=progress]")
            .join("")
            .contains("不超过 5000 字")
    );
}

#[tokio::test]
async fn text_sent_with_a_file_is_saved_first_and_kept_when_refused() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let a = item_id(&app, "task-1").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let send = |percent: &'static str, text: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("version", "0")
            .text("status", "in_progress")
            .text("percent", percent)
            .text("progress", text)
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4\n% minutes\n".to_vec())
                    .file_name("会议纪要.pdf"),
            );
        c.rep
            .post(format!("{}{path}/evidence", app.address))
            .multipart(form)
            .send()
    };
    // A problem in the text: nothing stored, the text as typed on the page.
    let resp = send("150", "先写的进展").await.expect("answered");
    assert_eq!(resp.status(), 422);
    let doc = Html::parse_document(&resp.text().await.expect("body"));
    assert_eq!(texts(&doc, "#progress"), ["先写的进展"]);
    assert!(texts(&doc, "#file-error").join("").contains("文件未上传"));
    assert_eq!(report(&app, round, a).await, None);

    let resp = send("40", "先写的进展").await.expect("answered");
    let doc = follow(&c.rep, &app.address, resp).await;
    assert_eq!(texts(&doc, "#progress"), ["先写的进展"]);
    assert_eq!(texts(&doc, ".evidence-list a"), ["会议纪要.pdf"]);
    assert_eq!(
        report(&app, round, a).await,
        Some(("draft".into(), "先写的进展".into()))
    );
}
