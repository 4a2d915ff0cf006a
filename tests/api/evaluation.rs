//! Evaluations: a frozen snapshot at a cut-off that later reports do not move, exports that
//! read back, comparison of two evaluations.

use std::io::{Cursor, Read};

use calamine::{Reader, Xlsx, open_workbook_from_rs};
use plan_portal::accounts::model::UserRole;
use plan_portal::audit::Actor;
use plan_portal::reports::model::{Completion, ProgressStatus};
use plan_portal::reports::workflow::{self, Draft, ReportKey, Review};

use crate::fixtures::open_round;
use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};

/// The unit reports on task-1 with `status`, and the bureau accepts it.
pub(crate) async fn accepted(app: &TestApp, round: i64, status: ProgressStatus, progress: &str) {
    let key = ReportKey {
        round_id: round,
        item_id: sqlx::query_scalar("SELECT id FROM items WHERE key = 'task-1'")
            .fetch_one(&app.pool)
            .await
            .expect("item"),
        unit_id: app.unit_id("高平市人民政府").await,
    };
    let draft = Draft {
        status,
        percent: Completion::parse(if status == ProgressStatus::Completed {
            "100"
        } else {
            "20"
        })
        .expect("percent"),
        measured_value: None,
        progress: progress.into(),
        problems: "基层执法力量不足".into(),
        next_steps: "继续推进".into(),
        milestones: Vec::new(),
    };
    let who = Actor::system("test");
    let r = workflow::save(&app.pool, &who, key, 0, &draft, true)
        .await
        .expect("submit");
    workflow::review(&app.pool, &who, key, r.version, Review::Accept, "")
        .await
        .expect("accept");
}

async fn second_round(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end, opens_on, due_on, created_by)
           SELECT id, 'later', '后续轮次', 'ad_hoc', current_date - 1, current_date,
                  current_date - 1, current_date + 30, 'test' FROM plans RETURNING id"#,
    )
    .fetch_one(&app.pool)
    .await
    .expect("round")
}

pub(crate) async fn supervisor(app: &TestApp) -> (reqwest::Client, String) {
    app.create_user("sup", UserRole::Supervisor, None).await;
    let c = app.new_client();
    assert_eq!(app.login_with(&c, "sup", PASSWORD).await.status(), 303);
    let csrf = app.csrf(&c).await;
    (c, csrf)
}

pub(crate) async fn evaluate(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    title: &str,
    cutoff: &str,
) -> String {
    // The kind that fits the cut-off for the 2021–2025 plan, so no warning stops the form.
    let kind = if cutoff > "2025-12-31" {
        "final"
    } else {
        "mid_term"
    };
    let resp = app
        .post_form(
            c,
            "/plans/jincheng-2023-33/evaluations",
            &[
                ("csrf", csrf),
                ("kind", kind),
                ("title", title),
                ("cutoff", cutoff),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "{title}");
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn task1_status(doc: &scraper::Html) -> String {
    crate::helpers::select(doc, "#e-tasks ~ * tr, #e-tasks + * tr, section tr")
        .into_iter()
        .map(|r| crate::helpers::text_of(&r))
        .find(|t| t.contains("强化安全生产责任体系建设"))
        .unwrap_or_default()
}

#[tokio::test]
async fn an_evaluation_is_frozen_and_later_reports_do_not_move_it() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    accepted(&app, round, ProgressStatus::Completed, "职责清单已印发").await;
    let (sup, csrf) = supervisor(&app).await;
    let today = plan_portal::reports::today();
    let yesterday = (today - chrono::Duration::days(2)).to_string();
    // A cut-off before the acceptance sees no report.
    let early = evaluate(&app, &sup, &csrf, "截至前天", &yesterday).await;
    let doc = app.page_as(&sup, &early).await;
    assert!(
        task1_status(&doc).contains("未报告"),
        "{}",
        task1_status(&doc)
    );
    let mid = evaluate(&app, &sup, &csrf, "中期评估", &today.to_string()).await;
    let before = app.page_as(&sup, &mid).await.html();
    assert!(task1_status(&scraper::Html::parse_document(&before)).contains("已完成"));

    // Later the unit reports the task as lagging, and the bureau accepts it.
    let later = second_round(&app).await;
    accepted(&app, later, ProgressStatus::Lagging, "因资金未到位暂缓").await;
    let after = app.page_as(&sup, &mid).await.html();
    assert_eq!(before, after, "the evaluation did not move");
    // A new evaluation sees the change, and the comparison shows the move.
    let fin = evaluate(&app, &sup, &csrf, "总结评估", &today.to_string()).await;
    let doc = app.page_as(&sup, &fin).await;
    assert!(task1_status(&doc).contains("滞后"));
    let id = |u: &str| u.rsplit('/').next().unwrap_or_default().to_string();
    let cmp = app
        .page_as(
            &sup,
            &format!(
                "/plans/jincheng-2023-33/evaluations/compare?a={}&b={}",
                id(&mid),
                id(&fin)
            ),
        )
        .await;
    let moved = texts(&cmp, "#c-moved ~ .table-wrap tbody tr");
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].contains("已完成") && moved[0].contains("滞后"));
    // The database refuses to change a stored evaluation.
    let refused = sqlx::query("UPDATE evaluations SET title = 'x'")
        .execute(&app.pool)
        .await;
    assert!(refused.is_err());
    assert!(
        app.audit_actions()
            .await
            .contains(&"evaluation.create".to_string())
    );
}

pub(crate) fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an xlsx file");
    let range = wb.worksheet_range(name).expect("sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

pub(crate) async fn download(c: &reqwest::Client, url: &str) -> Vec<u8> {
    let resp = c.get(url).send().await.expect("answered");
    assert_eq!(resp.status(), 200, "{url}");
    assert!(
        resp.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment")),
    );
    resp.bytes().await.expect("body").to_vec()
}

#[tokio::test]
async fn exports_read_back_and_only_readers_may_have_them() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    accepted(
        &app,
        round,
        ProgressStatus::InProgress,
        "已完成职责清单初稿",
    )
    .await;
    let (sup, csrf) = supervisor(&app).await;
    let url = evaluate(
        &app,
        &sup,
        &csrf,
        "中期评估",
        &plan_portal::reports::today().to_string(),
    )
    .await;
    let base = format!("{}{url}", app.address);

    let xlsx = download(&sup, &format!("{base}/xlsx")).await;
    let ledger = sheet(&xlsx, "台账");
    assert_eq!(ledger[0][0], "事项");
    let row = ledger
        .iter()
        .find(|r| r[0].contains("强化安全生产责任体系建设") && r[3] == "高平市人民政府")
        .expect("高平's line");
    assert_eq!(
        (row[6].as_str(), row[9].as_str()),
        ("推进中", "已完成职责清单初稿")
    );
    let indicators = sheet(&xlsx, "指标");
    assert_eq!(
        indicators.len(),
        1 + 8,
        "four indicators and four sub-targets"
    );
    let docx = download(&sup, &format!("{base}/docx")).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a docx file");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document")
        .read_to_string(&mut xml)
        .expect("xml");
    for words in [
        "中期评估",
        "强化安全生产责任体系建设",
        "基层执法力量不足",
        "高平市人民政府",
    ] {
        assert!(xml.contains(words), "{words}");
    }
    // The live ledger reads back as well, with the same line.
    let live = download(
        &sup,
        &format!(
            "{}/plans/jincheng-2023-33/ledger.xlsx?round={round}",
            app.address
        ),
    )
    .await;
    let live = sheet(&live, "台账");
    assert!(
        live.iter()
            .any(|r| r[3] == "高平市人民政府" && r[9] == "已完成职责清单初稿")
    );

    // A reporter reads none of it; a leader reads but may not create.
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let rep = app.new_client();
    app.login_with(&rep, "rep", PASSWORD).await;
    for path in [format!("{base}/xlsx"), format!("{base}/docx"), base.clone()] {
        assert_eq!(
            rep.get(&path).send().await.expect("answered").status(),
            403,
            "{path}"
        );
    }
    app.create_user("boss", UserRole::Leader, None).await;
    let boss = app.new_client();
    app.login_with(&boss, "boss", PASSWORD).await;
    assert_eq!(
        boss.get(&base).send().await.expect("answered").status(),
        200
    );
    let boss_csrf = app.csrf(&boss).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM evaluations")
            .fetch_one(&app.pool)
            .await
            .expect("count")
    };
    let before = count().await;
    let resp = app
        .post_form(
            &boss,
            "/plans/jincheng-2023-33/evaluations",
            &[
                ("csrf", &boss_csrf),
                ("kind", "final"),
                ("title", "x"),
                ("cutoff", "2024-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(count().await, before);
    // A cut-off in the future is refused with the input kept.
    let resp = app
        .post_form(
            &sup,
            "/plans/jincheng-2023-33/evaluations",
            &[
                ("csrf", &csrf),
                ("kind", "final"),
                ("title", "未来"),
                ("cutoff", "2999-01-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(!texts(&doc, "#cutoff-error").is_empty());
    assert_eq!(
        crate::helpers::select(&doc, "#title")[0]
            .value()
            .attr("value"),
        Some("未来")
    );
}
