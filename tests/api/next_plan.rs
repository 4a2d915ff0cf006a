//! The next plan: an ended plan archived (read-only, still browsable, out of 待办); a new plan
//! imported that continues it and takes over its unfinished items in one step, linked both
//! ways; a unit's record across plans.

use plan_portal::accounts::model::UserRole;
use scraper::Html;

use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{TestApp, spawn_app, texts};
use crate::import_page::{load, post_review, review_fields, set, upload};

const OLD: &str = "jincheng-2023-33";

async fn archive(app: &TestApp, client: &reqwest::Client, archive: &str) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let form = [("csrf", csrf.as_str()), ("archive", archive)];
    app.post_form(client, &format!("/admin/plans/{OLD}/archive"), &form)
        .await
}

#[tokio::test]
async fn an_archived_plan_is_read_only_browsable_and_out_of_todo() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    app.create_user("adm", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "adm", crate::helpers::PASSWORD)
        .await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let url = format!("{}{path}", app.address);
    let todo_items = |client: reqwest::Client| {
        let address = app.address.clone();
        async move {
            let body = client
                .get(format!("{address}/todo"))
                .send()
                .await
                .expect("todo");
            let doc = Html::parse_document(&body.text().await.expect("body"));
            texts(&doc, "td[data-label='事项']").len()
        }
    };
    assert!(todo_items(c.rep.clone()).await > 0);
    let (status, csrf, _) = form_fields(&c.rep, &url).await;
    assert_eq!(status, 200);

    // Only an admin archives.
    assert_eq!(archive(&app, &c.sup, "1").await.status(), 403);
    let resp = archive(&app, &admin, "1").await;
    assert_eq!(resp.status(), 303);
    let list = app.page_as(&admin, "/admin/plans?done=archived").await;
    assert!(
        texts(&list, "td[data-label='状态']")
            .concat()
            .contains("已归档")
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"plan.archive".to_string())
    );

    // Out of 待办, its reports read-only, nothing written even by a forged post.
    assert_eq!(todo_items(c.rep.clone()).await, 0);
    let page = app.page_as(&c.rep, &path).await;
    assert!(
        crate::helpers::select(&page, "form.report-form").is_empty(),
        "no form"
    );
    let resp = app
        .post_form(
            &c.rep,
            &path,
            &report_form(&csrf, "0", "save", "归档后的草稿"),
        )
        .await;
    assert_eq!(resp.status(), 403);
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(written, 0);
    let item: i64 = sqlx::query_scalar("SELECT id FROM items WHERE key = 'task-1'")
        .fetch_one(&app.pool)
        .await
        .expect("item");
    let refused = sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, status) VALUES ($1, $2, $3, 'in_progress')",
    )
    .bind(round)
    .bind(item)
    .bind(gp)
    .execute(&app.pool)
    .await;
    assert!(refused.is_err(), "the database refuses it too");

    // Still browsable and exportable, and marked.
    let overview = app.page(&format!("/plans/{OLD}")).await;
    assert!(texts(&overview, ".doc-head").concat().contains("已归档"));
    let export = app.get(&format!("/plans/{OLD}/breakdown.xlsx")).await;
    assert_eq!(export.status(), 200);
    let dashboard = c
        .sup
        .get(format!("{}/plans/{OLD}/dashboard", app.address))
        .send()
        .await
        .expect("dashboard");
    assert_eq!(dashboard.status(), 200);

    // Brought back, it is worked on again.
    assert_eq!(archive(&app, &admin, "0").await.status(), 303);
    assert!(todo_items(c.rep.clone()).await > 0);
}

/// A 15th FYP plan of the same city, as its text arrives.
const NEXT: &str = "晋城市安全生产委员会办公室文件\n\n晋市安委办发〔2026〕8号\n\n晋城市安全生产委员会办公室关于印发《晋城市“十五五”应急管理体系和本质安全能力建设规划实施方案》的通知\n\n各县(市、区)安委会,市安委会有关成员单位:\n\n现将方案印发给你们,请认真贯彻执行。\n\n晋城市安全生产委员会办公室\n\n2026年3月2日\n\n晋城市“十五五”应急管理体系和本质安全能力建设规划实施方案\n\n三、重点任务\n\n(一)强化本质安全能力建设\n\n1.深化安全生产治本攻坚。持续开展安全生产治本攻坚三年行动。\n\n责任单位:市应急局牵头,各县(市、区)人民政府按职责分工负责。\n\n2.推进应急指挥体系现代化。建设市级应急指挥平台。\n\n责任单位:市应急救援总指挥部,各县(市、区)人民政府。\n";

#[tokio::test]
async fn a_next_plan_continues_the_earlier_and_takes_over_unfinished_items_in_one_step() {
    let app = spawn_app().await;
    app.create_user("adm", UserRole::Admin, None).await;
    app.login("adm").await;
    let csrf = app.csrf(&app.client).await;
    // Task 21 of the earlier plan is done: every unit answering for it reported 已完成.
    let round = open_round(&app).await;
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, percent)
         SELECT $1, d.item_id, d.unit_id, 'accepted', 'completed', 100
         FROM unit_duties d JOIN items i ON i.id = d.item_id WHERE i.key = 'task-21'",
    )
    .bind(round)
    .execute(&app.pool)
    .await
    .expect("reports");

    let resp = upload(&app, &csrf, "十五五方案.txt", NEXT.as_bytes().to_vec()).await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert!(
        texts(&doc, "#h-diff").is_empty(),
        "a new plan: nothing to compare"
    );
    let mut fields = review_fields(&doc);
    set(&mut fields, "continues", OLD);
    let resp = post_review(&app, &fields, "review").await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    let offered = texts(&doc, ".carry-list li");
    // 29 tasks and 17 projects, less task 21 which is done.
    assert_eq!(offered.len(), 45, "{offered:?}");
    assert!(!offered.iter().any(|o| o.contains("强化信息支撑保障")));

    // Take over two of them in one step.
    let mut fields = review_fields(&doc);
    fields.retain(|(n, _)| {
        !n.starts_with("carry/") || n.ends_with("/task-15") || n.ends_with("/project-14")
    });
    let resp = post_review(&app, &fields, "carry").await;
    assert_eq!(resp.status(), 200);
    let doc = Html::parse_document(&resp.text().await.expect("page"));
    assert!(
        texts(&doc, ".form-ok")
            .concat()
            .contains("已接续上一规划的 2 项")
    );
    let fields = review_fields(&doc);
    let doc = load(&app, &fields).await;
    assert!(texts(&doc, ".form-ok").concat().contains("已载入"));

    // Linked both ways; the history stays with the earlier plan.
    let key: String = sqlx::query_scalar(
        "SELECT n.key FROM plans n JOIN plans o ON o.id = n.continues_plan_id WHERE o.key = $1",
    )
    .bind(OLD)
    .fetch_one(&app.pool)
    .await
    .expect("the new plan continues the old");
    let carried: Vec<(String, String)> = sqlx::query_as(
        "SELECT n.key, o.key FROM items n JOIN items o ON o.id = n.continues_item_id
         JOIN plans p ON p.id = n.plan_id WHERE p.key = $1 ORDER BY n.key",
    )
    .bind(&key)
    .fetch_all(&app.pool)
    .await
    .expect("carried");
    assert_eq!(
        carried,
        [
            ("project-1".to_string(), "project-14".to_string()),
            ("task-3".to_string(), "task-15".to_string())
        ]
    );
    let new_item = app.page(&format!("/plans/{key}/items/task-3")).await;
    assert!(
        texts(&new_item, ".continuation")
            .concat()
            .contains("建强国家综合性消防救援队伍")
    );
    let old_item = app.page(&format!("/plans/{OLD}/items/task-15")).await;
    assert!(
        texts(&old_item, ".continuation")
            .concat()
            .contains("后续规划")
    );
    // The carried task keeps its units and roles.
    let roles: Vec<(String, String)> = sqlx::query_as(
        "SELECT COALESCE(u.name, g.name), a.role::text FROM assignments a JOIN items i ON i.id = a.item_id
         JOIN plans p ON p.id = i.plan_id LEFT JOIN units u ON u.id = a.unit_id
         LEFT JOIN unit_groups g ON g.id = a.group_id WHERE p.key = $1 AND i.key = 'task-3'
         ORDER BY a.position",
    )
    .bind(&key)
    .fetch_all(&app.pool)
    .await
    .expect("roles");
    assert_eq!(roles[0], ("市应急局".to_string(), "lead".to_string()));

    // A unit's page shows its record in both plans.
    let id = app.unit_id("市应急局").await;
    let unit = app.page(&format!("/units/{id}")).await;
    let plans = texts(&unit, ".unit-record td[data-label='规划'] a");
    assert_eq!(plans.len(), 2, "{plans:?}");
}
