//! Every page renders, every link resolves, unknown addresses get the 404 page.

use std::collections::{BTreeSet, VecDeque};

use crate::helpers::{select, spawn_app, texts};

#[tokio::test]
async fn every_page_renders_and_every_link_resolves() {
    let app = spawn_app().await;
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["/".to_string()]);
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let resp = app.get(&path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_string());
        if path.starts_with("/static/") {
            continue;
        }
        // A download resolves to its file, not to a page.
        if path.ends_with(".xlsx") {
            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            assert_eq!(ctype.as_deref(), Some(xlsx), "{path}");
            continue;
        }
        assert_eq!(ctype.as_deref(), Some("text/html; charset=utf-8"), "{path}");
        let body = resp.text().await.expect("body");
        let doc = scraper::Html::parse_document(&body);
        assert_eq!(select(&doc, "html[lang='zh-CN']").len(), 1, "{path}: lang");
        assert_eq!(select(&doc, "h1").len(), 1, "{path}: one h1");
        assert_eq!(select(&doc, "main#main").len(), 1, "{path}: main landmark");
        for a in select(&doc, "a[href], link[href]") {
            let href = a.value().attr("href").unwrap_or_default();
            let Some(href) = href.strip_prefix('/').map(|h| format!("/{h}")) else {
                assert!(
                    href.starts_with('#'),
                    "{path}: only internal links, found {href}"
                );
                continue;
            };
            let href = href.split('#').next().unwrap_or_default().to_string();
            if !seen.contains(&href) {
                queue.push_back(href);
            }
        }
    }
    // The overview, 75 items, 44 units, 5 groups, units index, plans list, style sheet.
    assert!(
        seen.len() >= 1 + 75 + 44 + 5 + 3,
        "crawled {} pages",
        seen.len()
    );
    assert!(seen.iter().any(|p| p.starts_with("/groups/")));
}

#[tokio::test]
async fn unknown_addresses_get_the_friendly_404_page() {
    let app = spawn_app().await;
    for path in [
        "/no-such-page",
        "/plans/no-such-plan",
        "/plans/jincheng-2023-33/items/task-99",
        "/units/999999",
        "/units/not-a-number",
        "/groups/-1",
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), 404, "{path}");
        let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
        assert_eq!(texts(&doc, "h1"), ["页面不存在"], "{path}");
    }
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.expect("body");
    assert!(body.contains("\"database\":\"up\""), "{body}");
    app.pool.close().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 503);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("\"database\":\"down\"")
    );
}

#[tokio::test]
async fn unit_page_lists_duties_direct_and_through_groups() {
    let app = spawn_app().await;
    let doc = app.page("/units").await;
    let link = select(&doc, "#units a")
        .into_iter()
        .find(|a| a.text().collect::<String>() == "高平市人民政府")
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("高平市人民政府 listed");
    let doc = app.page(&link).await;
    let via = texts(&doc, "td[data-label='承担方式']");
    assert!(!via.is_empty());
    assert!(
        via.iter().all(|v| v.contains("各县(市、区)人民政府")),
        "{via:?}"
    );
    // The county answers for every item its group answers for.
    let group_items: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM assignments a JOIN unit_groups g ON g.id = a.group_id WHERE g.name = '各县(市、区)人民政府'",
    )
    .fetch_one(&app.pool)
    .await
    .expect("count");
    assert_eq!(via.len() as i64, group_items);

    assert!(
        texts(&doc, "dd")
            .iter()
            .any(|d| d.contains("各县(市、区)人民政府"))
    );

    // 市应急局 leads items directly.
    let doc = app.page("/units").await;
    let yjj = select(&doc, "#units a")
        .into_iter()
        .find(|a| a.text().collect::<String>() == "市应急局")
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .expect("市应急局 listed");
    let doc = app.page(&yjj).await;
    let lead = texts(&doc, "section.role-lead td[data-label='事项']");
    assert!(
        lead.iter()
            .any(|t| t.contains("建强国家综合性消防救援队伍")),
        "{lead:?}"
    );
}

#[tokio::test]
async fn malformed_addresses_get_chinese_error_pages() {
    let app = spawn_app().await;
    for (path, status) in [
        ("/plans/%FF", 404),
        ("/plans/jincheng-2023-33/items/%FF%FE", 404),
        ("/search?q=%00", 400),
        ("/plans/%00", 400),
        ("/search?q=a&q=b", 400),
    ] {
        let resp = app.get(path).await;
        assert_eq!(resp.status(), status, "{path}");
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(ctype.starts_with("text/html"), "{path}: {ctype}");
        let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
        assert_eq!(
            select(&doc, "html[lang='zh-CN'] .error-page").len(),
            1,
            "{path}"
        );
    }
}
