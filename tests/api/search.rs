//! Search finds Chinese substrings in titles, texts, 责任单位 lines and unit names.

use crate::helpers::{spawn_app, texts};

#[tokio::test]
async fn search_finds_chinese_substrings() {
    let app = spawn_app().await;
    let doc = app
        .page("/search?q=%E7%A4%BA%E8%8C%83%E7%A4%BE%E5%8C%BA")
        .await; // 示范社区
    let titles = texts(&doc, ".hit-title a");
    assert!(
        titles
            .iter()
            .any(|t| t.contains("综合减灾示范社区创建工程")),
        "{titles:?}"
    );
    assert!(texts(&doc, ".snippet mark").iter().all(|m| m == "示范社区"));

    let doc = app.page("/search?q=消防救援").await;
    let titles = texts(&doc, ".hit-title a");
    assert!(
        titles
            .iter()
            .any(|t| t.contains("建强国家综合性消防救援队伍")),
        "{titles:?}"
    );
    let bodies = texts(&doc, "#h-bodies + ul li a");
    assert!(bodies.contains(&"市消防救援支队".to_string()), "{bodies:?}");

    // A body found by another spelling is shown under its canonical name.
    let doc = app.page("/search?q=各县（市、区）政府").await;
    let bodies = texts(&doc, "#h-bodies + ul li a");
    assert!(
        bodies.contains(&"各县(市、区)人民政府".to_string()),
        "{bodies:?}"
    );
    // And the query is kept in the box.
    let value = crate::helpers::select(&doc, "#site-q")[0]
        .value()
        .attr("value")
        .map(str::to_string);
    assert_eq!(value.as_deref(), Some("各县（市、区）政府"));
}

#[tokio::test]
async fn search_treats_wildcards_literally_and_survives_odd_input() {
    let app = spawn_app().await;
    // "%" matches only texts that contain a percent sign, not everything.
    let doc = app.page("/search?q=%25").await;
    let hits = texts(&doc, ".hit-title");
    assert!(!hits.is_empty() && hits.len() < 20, "{hits:?}");
    assert!(texts(&doc, ".snippet mark").iter().all(|m| m == "%"));
    let doc = app.page("/search?q=_").await;
    assert!(texts(&doc, ".lead").join("").contains("找到 0 项事项"));
    let doc = app.page("/search?q=").await;
    assert!(texts(&doc, ".hit-title").is_empty());
    let long = "应".repeat(500);
    let doc = app.page(&format!("/search?q={long}")).await;
    assert!(texts(&doc, ".notice-bar").join("").contains("搜索词过长"));
    let doc = app
        .page("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(
        crate::helpers::select(&doc, "script").is_empty(),
        "input is escaped"
    );
}

#[tokio::test]
async fn full_width_and_half_width_punctuation_find_the_same_items() {
    let app = spawn_app().await;
    let half = app.page("/search?q=各县(市、区)人民政府").await;
    let full = app.page("/search?q=各县（市、区）人民政府").await;
    let n_half = texts(&half, ".hit-title a").len();
    assert!(n_half > 30, "{n_half}");
    assert_eq!(texts(&full, ".hit-title a").len(), n_half);
}
