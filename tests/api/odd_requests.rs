//! Requests a careless user or a script sends: signed-in pages are never stored by a browser or
//! proxy, and odd values (unknown options, non-integer percents, years outside the plan) are
//! refused with the form re-shown and never stored.

use plan_portal::accounts::model::UserRole;

use crate::helpers::{PASSWORD, spawn_app};
use crate::seed_load::count;

/// Every page drawn for someone signed in, and every download, is `no-store`; the shared
/// stylesheet is not.
#[tokio::test]
async fn signed_in_pages_are_never_stored() {
    let app = spawn_app().await;
    let c = crate::fixtures::cast(&app).await;
    for path in [
        "/",
        "/todo",
        "/account",
        "/plans/jincheng-2023-33",
        "/no-such-page",
    ] {
        let resp = c
            .rep
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("answered");
        let cache = resp
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(cache.contains("no-store"), "{path}: {cache:?}");
    }
    let css = c
        .rep
        .get(format!("{}/static/style.css", app.address))
        .send()
        .await
        .expect("answered");
    let cache = css
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok());
    assert_eq!(cache, Some("public, max-age=3600"));
}

/// Values no form offers are refused with a message beside the field and the input kept,
/// and nothing is stored.
#[tokio::test]
async fn odd_values_are_refused_and_never_stored() {
    let app = spawn_app().await;
    let round = crate::fixtures::open_round(&app).await;
    let c = crate::fixtures::cast(&app).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let (_, csrf, _) =
        crate::fixtures::form_fields(&c.rep, &format!("{}{path}", app.address)).await;
    for (field, value, shown) in [
        ("action", "destroy", "#h-form"),
        ("percent", "1e2", "#percent-error"),
        ("percent", "12.5", "#percent-error"),
    ] {
        let mut form = crate::fixtures::report_form(&csrf, "0", "save", "写了很多字的进展");
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let resp = app.post_form(&c.rep, &path, &form).await;
        assert_eq!(resp.status(), 422, "{field}={value}");
        let body = resp.text().await.expect("body");
        assert!(body.contains("写了很多字的进展"), "input kept");
        if field == "percent" {
            assert!(body.contains("整数"), "{body}");
        } else {
            assert!(body.contains("未知的操作"), "{shown}");
        }
    }
    assert_eq!(count(&app, "SELECT count(*) FROM reports").await, 0);

    // A round in year 0000 is a slip, not a round.
    let sup_csrf = app.csrf(&c.sup).await;
    let resp = app
        .post_form(
            &c.sup,
            "/rounds",
            &[
                ("csrf", &sup_csrf),
                ("title", "零年轮次"),
                ("period_start", "0000-01-01"),
                ("period_end", "2025-12-31"),
                ("opens_on", "2025-01-01"),
                ("due_on", "2025-02-01"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(
        crate::helpers::texts(&doc, "#period_start-error")
            .iter()
            .any(|t| t.contains("规划期内"))
    );
    // So is an evaluation cut off before the plan began.
    let resp = app
        .post_form(
            &c.sup,
            "/plans/jincheng-2023-33/evaluations",
            &[
                ("csrf", &sup_csrf),
                ("kind", "final"),
                ("title", "总结评估"),
                ("cutoff", "0000-12-31"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.expect("body").contains("规划期开始"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM reporting_rounds WHERE kind = 'ad_hoc'"
        )
        .await,
        1
    );

    // The item settings form comes back with the message beside the field, as typed.
    app.create_user("boss", UserRole::Admin, None).await;
    let admin = app.new_client();
    app.login_with(&admin, "boss", PASSWORD).await;
    let csrf = app.csrf(&admin).await;
    let ind: i64 = count(&app, "SELECT id FROM items WHERE key = 'indicator-1'").await;
    let resp = app
        .post_form(
            &admin,
            &format!("/admin/assignments/{ind}/settings"),
            &[
                ("csrf", &csrf),
                ("lifecycle", "active"),
                ("weight", "2"),
                ("baseline", "1e2"),
                ("binding", "foo"),
                ("was", "active|1||"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(!crate::helpers::texts(&doc, "#binding-error").is_empty());
    assert!(!crate::helpers::texts(&doc, "#baseline-error").is_empty());
    assert_eq!(
        crate::helpers::select(&doc, "#weight")[0]
            .value()
            .attr("value"),
        Some("2")
    );
    assert_eq!(
        crate::helpers::texts(&doc, "title")
            .first()
            .map(|t| t.contains("<")),
        Some(false),
        "the page title is only a title"
    );
    let weight: String =
        sqlx::query_scalar("SELECT weight::text FROM items WHERE key = 'indicator-1'")
            .fetch_one(&app.pool)
            .await
            .expect("weight");
    assert_eq!(weight.trim_end_matches('0').trim_end_matches('.'), "1");
}
