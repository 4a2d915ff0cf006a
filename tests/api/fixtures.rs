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
