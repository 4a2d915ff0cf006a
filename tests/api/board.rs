//! A round's board for the bureau: item names lead to the report, filters by unit, county and
//! state, reports accepted several at once, and after each review the next one offered.

use scraper::Html;

use crate::fixtures::{cast, open_round, state_of};
use crate::helpers::{TestApp, select, spawn_app, texts};

/// task-1 and task-2 of 高平 and 泽州 submitted to the bureau (泽州 has no approver).
async fn submitted(app: &TestApp, round: i64) {
    for unit in ["高平市人民政府", "泽州县人民政府"] {
        let unit = app.unit_id(unit).await;
        sqlx::query(
            r#"INSERT INTO reports (round_id, item_id, unit_id, state, status, progress, submitted_at)
               SELECT $1, id, $2, 'submitted', 'in_progress', '按计划推进', now()
               FROM items WHERE key IN ('task-1', 'task-2')"#,
        )
        .bind(round)
        .bind(unit)
        .execute(&app.pool)
        .await
        .expect("reports");
    }
}

async fn page(client: &reqwest::Client, url: &str) -> Html {
    let resp = client.get(url).send().await.expect("page");
    assert_eq!(resp.status(), 200, "{url}");
    Html::parse_document(&resp.text().await.expect("body"))
}

#[tokio::test]
async fn the_bureau_filters_a_board_and_accepts_several_reports_at_once() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    submitted(&app, round).await;
    let gp = app.unit_id("高平市人民政府").await;
    let board = format!("{}/rounds/{round}/board", app.address);

    // Item names lead to the report.
    let doc = page(&c.sup, &format!("{board}?state=submitted")).await;
    let links: Vec<String> = select(&doc, "td[data-label='事项'] a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(
        links.contains(&format!("/rounds/{round}/reports/task-1/{gp}")),
        "{links:?}"
    );
    assert_eq!(
        select(&doc, "td[data-label='选择'] input[type=checkbox]").len(),
        4
    );

    // Filters: one unit; the counties only (泽州 and 高平 are both counties); the city's departments.
    let doc = page(&c.sup, &format!("{board}?unit={gp}&state=submitted")).await;
    let units = texts(&doc, "td[data-label='单位']");
    assert_eq!(units.len(), 2);
    assert!(
        units.iter().all(|u| u.starts_with("高平市人民政府")),
        "{units:?}"
    );
    let doc = page(&c.sup, &format!("{board}?area=county&state=submitted")).await;
    assert_eq!(texts(&doc, "td[data-label='单位']").len(), 4);
    let doc = page(&c.sup, &format!("{board}?area=city&state=submitted")).await;
    assert!(texts(&doc, "td[data-label='单位']").is_empty());
    let doc = page(&c.sup, &format!("{board}?area=city&unit=")).await;
    assert!(
        !texts(&doc, "td[data-label='单位']").is_empty(),
        "an empty unit means every unit"
    );

    // Three ticked, one of them changed meanwhile: two accepted, one left, and told.
    let doc = page(&c.sup, &format!("{board}?state=submitted")).await;
    let csrf = app.csrf(&c.sup).await;
    let mut fields = vec![("csrf".to_string(), csrf)];
    for b in select(&doc, "td[data-label='选择'] input[type=checkbox]")
        .iter()
        .take(3)
    {
        let v = b.value();
        fields.push((
            v.attr("name").expect("name").to_string(),
            v.attr("value").expect("value").to_string(),
        ));
    }
    sqlx::query(
        "UPDATE reports SET version = version + 1 WHERE round_id = $1 AND unit_id = $2 \
         AND item_id = (SELECT id FROM items WHERE key = 'task-1')",
    )
    .bind(round)
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("changed meanwhile");
    let resp = c
        .sup
        .post(format!("{}/rounds/{round}/accept", app.address))
        .form(&fields)
        .send()
        .await
        .expect("accept");
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let doc = page(&c.sup, &format!("{}{to}", app.address)).await;
    assert_eq!(
        texts(&doc, "p.form-ok"),
        ["已采纳 2 份报告。另有 1 份未采纳：已被他人处理或内容已更新，请逐份打开查看。"]
    );
    assert_eq!(state_of(&app, round).await.as_deref(), Some("submitted"));
    let accepted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reports WHERE round_id = $1 AND state = 'accepted'",
    )
    .bind(round)
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(accepted, 2);

    // Only the bureau's supervisor accepts.
    let csrf = app.csrf(&c.rep).await;
    let resp = c
        .rep
        .post(format!("{}/rounds/{round}/accept", app.address))
        .form(&[("csrf", csrf.as_str()), ("pick_1_1", "1")])
        .send()
        .await
        .expect("refused");
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn after_a_review_the_next_report_waiting_is_offered() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    let c = cast(&app).await;
    submitted(&app, round).await;
    let gp = app.unit_id("高平市人民政府").await;
    let path = format!("/rounds/{round}/reports/task-1/{gp}");
    let doc = page(&c.sup, &format!("{}{path}", app.address)).await;
    let version = select(&doc, ".review-box input[name=version]")[0]
        .value()
        .attr("value")
        .expect("version")
        .to_string();
    let csrf = app.csrf(&c.sup).await;
    let resp = app
        .post_form(
            &c.sup,
            &format!("{path}/review"),
            &[("csrf", &csrf), ("version", &version), ("action", "accept")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let doc = page(&c.sup, &format!("{}{to}", app.address)).await;
    let next = select(&doc, ".next-review a");
    assert_eq!(next.len(), 1, "a next report is offered");
    let href = next[0].value().attr("href").expect("href");
    assert_ne!(href, path);
    assert!(
        texts(&doc, ".next-review")
            .join("")
            .starts_with("下一份待审：")
    );
}
