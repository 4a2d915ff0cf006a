//! People land where their work is: units on 待办, leaders and the bureau on the dashboard,
//! whose first screen names the lagging items and the units most behind and says what 序时进度 is.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, TestApp, select, spawn_app, texts};

/// Signs in through the form as a browser would, without a `next`; returns where it lands.
async fn landing(app: &TestApp, username: &str) -> String {
    let client = app.new_client();
    let page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("login page");
    let doc = scraper::Html::parse_document(&page.text().await.expect("body"));
    let field = |name: &str| {
        select(&doc, &format!("input[name={name}]"))[0]
            .value()
            .attr("value")
            .unwrap_or_default()
            .to_string()
    };
    let (token, next) = (field("token"), field("next"));
    let resp = client
        .post(format!("{}/login", app.address))
        .form(&[
            ("username", username),
            ("password", PASSWORD),
            ("token", &token),
            ("next", &next),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 303);
    resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_string()
}

#[tokio::test]
async fn each_role_lands_where_its_work_is() {
    let app = spawn_app().await;
    app.create_user("rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.create_user("boss", UserRole::Leader, None).await;
    assert_eq!(landing(&app, "rep").await, "/todo");
    assert_eq!(landing(&app, "sup").await, "/dashboard");
    assert_eq!(landing(&app, "boss").await, "/dashboard");
}

#[tokio::test]
async fn the_dashboards_first_screen_names_what_lags_and_who_is_behind() {
    let app = spawn_app().await;
    let round = crate::fixtures::open_round(&app).await;
    app.create_user("boss", UserRole::Leader, None).await;
    // 高平 reports two tasks as 滞后; the bureau has them.
    let gp = app.unit_id("高平市人民政府").await;
    sqlx::query(
        r#"INSERT INTO reports (round_id, item_id, unit_id, state, status, progress, submitted_at)
           SELECT $1, i.id, $2, 'accepted', 'lagging', '资金未到位', now()
           FROM items i WHERE i.key IN ('task-1', 'task-2')"#,
    )
    .bind(round)
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("reports");
    let boss = app.new_client();
    app.login_with(&boss, "boss", PASSWORD).await;
    let page = app
        .page_as(
            &boss,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}"),
        )
        .await;
    let items = texts(&page, "#h-lagging-items + ol li");
    assert!(!items.is_empty() && items.len() <= 5, "{items:?}");
    let units = texts(&page, "#h-units-behind + ol li");
    assert!(
        units
            .iter()
            .any(|u| u.starts_with("高平市人民政府：滞后 2 项")),
        "{units:?}"
    );
    assert!(units.len() <= 5);
    let note = texts(&page, "#h-overall ~ p.note").join("");
    assert!(
        note.contains("序时进度：从规划印发之日到规划末年年底按天均匀推进"),
        "{note}"
    );
}
