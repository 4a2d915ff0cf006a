//! The audit log: written with each change, browsable by supervisors, never changed.

use plan_portal::accounts::model::UserRole;

use scraper::{ElementRef, Html, Selector};

use crate::fixtures::{cast, form_fields, open_round, report_form};
use crate::helpers::{PASSWORD, TestApp, select, spawn_app, text_of, texts};

#[tokio::test]
async fn the_audit_log_cannot_be_changed() {
    let app = spawn_app().await;
    app.create_user("auditor", UserRole::Supervisor, None).await;
    app.login("auditor").await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert!(n >= 2, "user.create and auth.login are logged");
    for sql in [
        "UPDATE audit_log SET actor_name = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let err = sqlx::query(sql).execute(&app.pool).await.expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // Supervisors browse and filter it.
    let doc = app.page("/admin/audit?action=auth.login").await;
    let actions = texts(&doc, "td[data-label='操作']");
    assert!(
        !actions.is_empty() && actions.iter().all(|a| a.starts_with("auth.login")),
        "{actions:?}"
    );
    let doc = app.page("/admin/audit?actor=nobody-at-all").await;
    assert!(texts(&doc, "td[data-label='操作']").is_empty());
    let resp = app.get("/admin/audit?from=2024-13-99").await;
    assert_eq!(resp.status(), 200, "a bad date is a message, not a failure");
    // A page number far past the end is an empty page, not an overflow.
    for page in ["9223372036854775807", "-9223372036854775808", "0"] {
        let resp = app.get(&format!("/admin/audit?page={page}")).await;
        assert_eq!(resp.status(), 200, "page={page}");
    }
}

/// The log's rows whose stored action is `code`, newest first.
fn rows<'a>(doc: &'a Html, code: &str) -> Vec<ElementRef<'a>> {
    select(doc, "table.audit > tbody > tr")
        .into_iter()
        .filter(|tr| within(tr, "td[data-label='操作'] code.action-code") == [code])
        .collect()
}

/// The newest row of action `code`.
fn newest<'a>(doc: &'a Html, code: &str) -> ElementRef<'a> {
    let found = rows(doc, code);
    *found.first().unwrap_or_else(|| panic!("{code} shown"))
}

fn within(el: &ElementRef, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).expect("valid selector");
    el.select(&sel).map(|e| text_of(&e)).collect()
}

/// The object of a row as linked: (href, text), or `None` when it is not a link.
fn linked(row: &ElementRef) -> Option<(String, String)> {
    let css = "td[data-label='对象'] a";
    let sel = Selector::parse(css).expect("valid selector");
    let href = row
        .select(&sel)
        .find_map(|e| e.value().attr("href"))?
        .to_string();
    Some((href, within(row, css).join("")))
}

/// Whether the row's fields table has `field` with exactly `cells`.
fn has_field(row: &ElementRef, field: &str, cells: &[&str]) -> bool {
    fields(row)
        .iter()
        .any(|(f, c)| f == field && c.iter().map(String::as_str).eq(cells.iter().copied()))
}

/// The changed-fields table of a row: (field, cells after it).
fn fields(row: &ElementRef) -> Vec<(String, Vec<String>)> {
    let sel = Selector::parse(".audit-fields tbody tr").expect("valid selector");
    row.select(&sel)
        .map(|tr| {
            let field = within(&tr, "th").join("");
            (field, within(&tr, "td"))
        })
        .collect()
}

async fn admin_with_token(app: &TestApp) -> String {
    app.create_user("chief", UserRole::Admin, None).await;
    app.login("chief").await;
    app.csrf(&app.client).await
}

#[tokio::test]
async fn account_changes_read_in_chinese_with_the_account_linked() {
    let app = spawn_app().await;
    let csrf = admin_with_token(&app).await;
    let unit = app.unit_id("高平市人民政府").await.to_string();
    let form = [
        ("csrf", csrf.as_str()),
        ("username", "gaoping"),
        ("display_name", "高平填报员"),
        ("role", "reporter"),
        ("unit_id", &unit),
    ];
    let resp = app.post_form(&app.client, "/admin/users", &form).await;
    assert_eq!(resp.status(), 201);
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'gaoping'")
        .fetch_one(&app.pool)
        .await
        .expect("account");
    let path = format!("/admin/users/{id}");
    let (_, _, version) = form_fields(&app.client, &format!("{}{path}", app.address)).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("version", &version),
        ("display_name", "高平市填报员"),
        ("role", "approver"),
        ("unit_id", &unit),
    ];
    let resp = app.post_form(&app.client, &path, &form).await;
    assert!(resp.status().is_success() || resp.status().is_redirection());
    let reset = format!("{path}/reset-password");
    let resp = app.post_form(&app.client, &reset, &[("csrf", &csrf)]).await;
    assert!(resp.status().is_success());

    let html = app.get("/admin/audit").await.text().await.expect("body");
    assert!(!html.contains("$argon2"), "no password hash is ever shown");
    let doc = Html::parse_document(&html);
    let link = format!("/admin/users/{id}");

    let created = &newest(&doc, "user.create");
    assert_eq!(
        within(created, "td[data-label='操作']"),
        ["user.create 新建账户"]
    );
    assert_eq!(
        linked(created),
        Some((link.clone(), "高平市填报员（gaoping）".to_string()))
    );
    assert!(has_field(created, "姓名", &["高平填报员"]));
    assert!(has_field(created, "角色", &["填报员"]));
    assert!(has_field(created, "所属单位", &["高平市人民政府"]));

    // An edit lists only what changed, old beside new.
    let updated = &newest(&doc, "user.update");
    assert_eq!(
        within(updated, "td[data-label='操作']"),
        ["user.update 修改账户"]
    );
    assert_eq!(
        fields(updated),
        [
            (
                "姓名".to_string(),
                vec!["高平填报员".into(), "高平市填报员".into()]
            ),
            (
                "角色".to_string(),
                vec!["填报员".into(), "单位审核人".into()]
            ),
        ]
    );
    let reset = &newest(&doc, "user.reset_password");
    assert_eq!(
        within(reset, "td[data-label='操作'] .action-label"),
        ["重置密码"]
    );
    assert_eq!(linked(reset).map(|(href, _)| href), Some(link));

    // The filter takes the Chinese name as well as the code.
    let doc = app.page("/admin/audit?action=新建账户").await;
    let actions = texts(&doc, "td[data-label='操作']");
    assert!(
        !actions.is_empty() && actions.iter().all(|a| a.starts_with("user.create")),
        "{actions:?}"
    );

    // A login under a name no account has keeps the name it was tried with, unlinked.
    let stranger = app.new_client();
    app.login_with(&stranger, "nobody-here", PASSWORD).await;
    let doc = app.page("/admin/audit?action=auth.login_failed").await;
    let failed = &newest(&doc, "auth.login_failed");
    assert_eq!(
        within(failed, "td[data-label='对象']"),
        ["账户 nobody-here"]
    );
    assert!(linked(failed).is_none());
}

#[tokio::test]
async fn item_settings_and_seed_loads_read_as_changes() {
    let app = spawn_app().await;
    let csrf = admin_with_token(&app).await;
    let task: i64 = sqlx::query_scalar("SELECT id FROM items WHERE key = 'task-1'")
        .fetch_one(&app.pool)
        .await
        .expect("item");
    let form = [
        ("csrf", csrf.as_str()),
        ("lifecycle", "merged"),
        ("weight", "1"),
        ("was", "active|1||"),
    ];
    let url = format!("/admin/assignments/{task}/settings");
    let resp = app.post_form(&app.client, &url, &form).await;
    assert_eq!(resp.status(), 303);
    let edited = plan_portal::seed::BUNDLED.replace(
        "title = \"推进产业结构调整\"",
        "title = \"推进产业结构调整升级\"",
    );
    app.load_seed(&edited, false).await.expect("loaded");

    let doc = app.page("/admin/audit").await;
    let settings = &newest(&doc, "item.settings");
    assert_eq!(within(settings, ".action-label"), ["修改事项设置"]);
    assert_eq!(
        linked(settings),
        Some((
            "/plans/jincheng-2023-33/items/task-1".to_string(),
            "1. 强化安全生产责任体系建设".to_string()
        ))
    );
    assert_eq!(
        fields(settings),
        [("事项状态".to_string(), vec!["正常".into(), "已合并".into()])]
    );

    let load = &newest(&doc, "seed.load");
    assert_eq!(within(load, ".action-label"), ["载入种子文件"]);
    let plan = linked(load).map(|(href, _)| href);
    assert_eq!(plan.as_deref(), Some("/plans/jincheng-2023-33"));
    assert_eq!(within(load, ".audit-seed li"), ["修改 事项 task-6：标题"]);
    assert_eq!(fields(load), [("变更数".to_string(), vec!["1".into()])]);
}

#[tokio::test]
async fn a_supervisor_sees_reports_by_name_and_no_links_into_admin_pages() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) = form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    let form = report_form(&csrf, "0", "save", "已制定职责清单");
    assert_eq!(app.post_form(&c.rep, &path, &form).await.status(), 303);

    let doc = app.page_as(&c.sup, "/admin/audit").await;
    let saved = &newest(&doc, "report.save");
    assert_eq!(within(saved, ".action-label"), ["保存填报草稿"]);
    assert_eq!(
        linked(saved),
        Some((
            path.clone(),
            "1. 强化安全生产责任体系建设 · 高平市人民政府 · 测试填报轮次".to_string()
        ))
    );
    assert!(has_field(saved, "状态", &["草稿"]));
    assert!(has_field(saved, "操作", &["保存草稿"]));
    // Account pages are the admin's: a supervisor reads the name without a link there.
    let login = &newest(&doc, "auth.login");
    assert!(linked(login).is_none());
    assert!(within(login, "td[data-label='对象']")[0].starts_with("账户 测试"));
}

#[tokio::test]
async fn every_kind_of_object_is_named_and_linked_and_a_gone_one_stays_as_stored() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let one = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect(sql)
        }
    };
    let assignment = one("SELECT min(id) FROM assignments").await;
    let group = one("SELECT min(id) FROM unit_groups").await;
    let evaluation = one(
        "INSERT INTO evaluations (plan_id, kind, title, cutoff, snapshot, created_by)
         SELECT id, 'other', '测试评估', current_date, '{}', 'test' FROM plans RETURNING id",
    )
    .await;
    let flag = one(
        "INSERT INTO supervision_flags (round_id, item_id, unit_id, level, reason)
         SELECT r.id, i.id, u.id, 'red', 'test' FROM reporting_rounds r, items i, units u
         WHERE i.key = 'task-1' AND u.name = '高平市人民政府' RETURNING id",
    )
    .await;
    let group_name: String = sqlx::query_scalar("SELECT name FROM unit_groups WHERE id = $1")
        .bind(group)
        .fetch_one(&app.pool)
        .await
        .expect("group");
    let objects = [
        ("unit", gp.to_string(), format!("/units/{gp}")),
        ("round", round.to_string(), format!("/rounds/{round}/board")),
        ("assignment", assignment.to_string(), String::new()),
        ("group", group_name, format!("/groups/{group}")),
        (
            "evaluation",
            evaluation.to_string(),
            format!("/plans/jincheng-2023-33/evaluations/{evaluation}"),
        ),
        (
            "flag",
            flag.to_string(),
            "/plans/jincheng-2023-33/supervision".into(),
        ),
        ("unit", "987654".into(), String::new()),
        ("unit", "not-a-number".into(), String::new()),
    ];
    for (i, (kind, id, _)) in objects.iter().enumerate() {
        let entry = plan_portal::audit::Entry {
            action: "test.object",
            object_type: Some(kind),
            object_id: Some(id.clone()),
            detail: Some(i.to_string()),
            ..Default::default()
        };
        plan_portal::audit::record(&app.pool, &plan_portal::audit::Actor::system("t"), entry)
            .await
            .expect("recorded");
    }
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.login("sup").await;
    let doc = app.page("/admin/audit?action=test.object").await;
    let shown = rows(&doc, "test.object");
    assert_eq!(shown.len(), objects.len());
    // Newest first; an unknown action is its code alone.
    for (row, (kind, id, href)) in shown.iter().rev().zip(&objects) {
        assert_eq!(within(row, "td[data-label='操作']"), ["test.object"]);
        let link = linked(row).map(|(href, _)| href);
        let cell = within(row, "td[data-label='对象']").join("");
        if href.is_empty() {
            assert_eq!(link, None, "{kind} {id}");
        } else {
            assert_eq!(link.as_ref(), Some(href), "{kind} {id}");
            // A group is stored by its name already; the others by a number.
            let by_name = *kind == "group" || !cell.ends_with(&format!(" {id}"));
            assert!(by_name, "{kind} {id} by name: {cell}");
        }
    }
    let gone = within(&shown[1], "td[data-label='对象']");
    assert_eq!(gone, ["单位 987654"]);
    // The assignment is named (its admin page is no supervisor's).
    let named = within(&shown[5], "td[data-label='对象']").join("");
    assert!(
        named.starts_with("责任分工 ") && named.contains(" · "),
        "{named}"
    );
}
