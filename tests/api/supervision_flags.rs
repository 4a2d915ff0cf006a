//! What a flag asks of a unit and what it tells the bureau: blue flags ask no explanation,
//! yellow ones give their numbers, and the ledger narrows to a unit, an item or an area.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, spawn_app, texts};
use crate::supervision::{LEDGER, count, round, sweep_now};

/// The reasons of the unit's yellow flags on task 1.
async fn yellow_reasons(app: &crate::helpers::TestApp, unit: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT f.reason FROM supervision_flags f JOIN items i ON i.id = f.item_id
         WHERE f.unit_id = $1 AND i.key = 'task-1' AND f.level = 'yellow'",
    )
    .bind(unit)
    .fetch_all(&app.pool)
    .await
    .expect("yellow flags")
}

/// A blue flag only says a deadline is near: no 情况说明 is asked or taken. A yellow flag says
/// by how much the unit's report trails the expected path, and says it again when that changes.
#[tokio::test]
async fn blue_flags_need_no_explanation_and_yellow_ones_give_their_numbers() {
    let app = spawn_app().await;
    let soon = round(&app, "soon", 3).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    app.create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let (sup, gp_c) = (app.new_client(), app.new_client());
    app.login_with(&sup, "sup", PASSWORD).await;
    app.login_with(&gp_c, "gp", PASSWORD).await;
    let gp = app.unit_id("高平市人民政府").await;
    // task-1 reported at 20%: behind the path; the rest not yet reported, due in three days.
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
         SELECT $1, id, $2, 'submitted', 'in_progress', 20, '推进中', now() FROM items WHERE key = 'task-1'",
    )
    .bind(soon)
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("report");
    sweep_now(&app, &sup).await;

    let reason = yellow_reasons(&app, gp).await.join("");
    assert!(reason.starts_with("报告完成 20%，序时进度 "), "{reason}");
    // The unit reports 30%, still behind: the same open flag now says 30%.
    sqlx::query(
        "UPDATE reports SET percent = 30 WHERE unit_id = $1
           AND item_id = (SELECT id FROM items WHERE key = 'task-1')",
    )
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("again");
    sweep_now(&app, &sup).await;
    let restated = yellow_reasons(&app, gp).await;
    assert_eq!(restated.len(), 1, "{restated:?}");
    assert!(
        restated[0].starts_with("报告完成 30%，序时进度 "),
        "{restated:?}"
    );

    let blue: i64 = sqlx::query_scalar(
        "SELECT id FROM supervision_flags WHERE unit_id = $1 AND level = 'blue' LIMIT 1",
    )
    .bind(gp)
    .fetch_one(&app.pool)
    .await
    .expect("blue flag");
    let todo = app.page_as(&gp_c, "/todo").await;
    assert!(
        texts(&todo, ".flag-list .note")
            .iter()
            .any(|t| t == "按时报送即可，无需说明。")
    );
    assert!(
        crate::helpers::select(&todo, &format!("form[action='/supervision/{blue}/answer']"))
            .is_empty(),
        "no answer form on a blue flag"
    );
    let csrf = app.csrf(&gp_c).await;
    let resp = app
        .post_form(
            &gp_c,
            &format!("/supervision/{blue}/answer"),
            &[("csrf", &csrf), ("answer", "知道了")],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM supervision_flags WHERE answer IS NOT NULL"
        )
        .await,
        0
    );
}

/// The ledger filters by unit (with level and open kept in its pager).
#[tokio::test]
async fn the_ledger_filters_by_unit() {
    let app = spawn_app().await;
    round(&app, "late", -1).await;
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    sweep_now(&app, &sup).await;
    let gp = app.unit_id("高平市人民政府").await;
    let page = app
        .page_as(&sup, &format!("{LEDGER}?unit={gp}&level=red&open=1"))
        .await;
    let units = texts(&page, "td[data-label='单位']");
    assert!(!units.is_empty());
    assert!(units.iter().all(|u| u == "高平市人民政府"), "{units:?}");
    let chosen = crate::helpers::select(&page, "#f-unit option[selected]");
    assert_eq!(
        chosen[0].value().attr("value"),
        Some(gp.to_string().as_str())
    );
    let all = app
        .page_as(&sup, &format!("{LEDGER}?level=red&open=1&unit="))
        .await;
    assert!(
        texts(&all, "td[data-label='单位']")
            .iter()
            .any(|u| u != "高平市人民政府")
    );
    // By item: only that item's rows, and as many as the database holds for it.
    let (item, title): (i64, String) =
        sqlx::query_as("SELECT id, title FROM items WHERE key = 'task-1'")
            .fetch_one(&app.pool)
            .await
            .expect("task-1");
    let page = app
        .page_as(&sup, &format!("{LEDGER}?item={item}&level=red&state=open"))
        .await;
    let items = texts(&page, "td[data-label='事项']");
    assert!(items.iter().all(|i| *i == title), "{items:?}");
    let red = format!(
        "SELECT count(*) FROM supervision_flags WHERE item_id = {item} AND level = 'red' AND cleared_at IS NULL"
    );
    assert_eq!(items.len() as i64, count(&app, &red).await);
    // By area: the counties' rows only, the city departments' only.
    let county = app
        .page_as(&sup, &format!("{LEDGER}?item={item}&area=county"))
        .await;
    let city = app
        .page_as(&sup, &format!("{LEDGER}?item={item}&area=city"))
        .await;
    let (county, city) = (
        texts(&county, "td[data-label='单位']"),
        texts(&city, "td[data-label='单位']"),
    );
    assert!(!county.is_empty() && !city.is_empty());
    assert!(county.iter().all(|u| u.ends_with("人民政府")), "{county:?}");
    assert!(city.iter().all(|u| !u.ends_with("人民政府")), "{city:?}");
}
