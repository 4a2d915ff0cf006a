//! Fixtures shared by the reporting tests: an open round, the cast of a county's reporter,
//! approver and the bureau's supervisor, and the report form.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, select};

/// An ad-hoc round open today, due in a week; returns its id.
pub async fn open_round(app: &TestApp) -> i64 {
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
pub async fn form_fields(client: &reqwest::Client, url: &str) -> (u16, String, String) {
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

pub struct Cast {
    pub rep: reqwest::Client,
    pub appr: reqwest::Client,
    pub sup: reqwest::Client,
}

pub async fn cast(app: &TestApp) -> Cast {
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

pub async fn state_of(app: &TestApp, round: i64) -> Option<String> {
    sqlx::query_scalar(
        "SELECT r.state::text FROM reports r JOIN items i ON i.id = r.item_id JOIN units u ON u.id = r.unit_id
         WHERE r.round_id = $1 AND i.key = 'task-1' AND u.name = '高平市人民政府'",
    )
    .bind(round)
    .fetch_optional(&app.pool)
    .await
    .expect("state")
}

pub fn report_form<'a>(
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

/// What the every-route tests need: an open round, the ids their routes name, and an admin
/// (`boss`), a supervisor (`sup`) and a 高平 reporter (`rep`) signed in, with their form tokens.
pub struct RouteCast {
    pub round: i64,
    pub gp: i64,
    /// indicator-1's id.
    pub item: i64,
    pub boss_id: i64,
    /// The reporter's report page for task-1.
    pub report: String,
    pub clients: std::collections::HashMap<&'static str, (reqwest::Client, String)>,
}

pub async fn route_cast(app: &TestApp) -> RouteCast {
    let round = open_round(app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let item: i64 = sqlx::query_scalar("SELECT id FROM items WHERE key = 'indicator-1'")
        .fetch_one(&app.pool)
        .await
        .expect("item");
    let boss_id = app.create_user("boss", UserRole::Admin, None).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let mut clients = std::collections::HashMap::new();
    for who in ["boss", "sup", "rep"] {
        let c = app.new_client();
        assert_eq!(app.login_with(&c, who, PASSWORD).await.status(), 303);
        let csrf = app.csrf(&c).await;
        clients.insert(who, (c, csrf));
    }
    RouteCast {
        round,
        gp,
        item,
        boss_id,
        report: format!("/rounds/{round}/reports/task-1/{gp}"),
        clients,
    }
}
