//! The bundled seed holds the whole document; reloads are idempotent and update in place.

use plan_portal::seed;

use crate::helpers::{TestApp, select, spawn_app, spawn_empty_app, text_of, texts};

/// Every item's key, id and title, and every assignment: what a reload must keep or change.
pub async fn snapshot(app: &TestApp) -> Vec<(String, i64, String, String)> {
    sqlx::query_as::<_, (String, i64, String, String)>(
        r#"SELECT i.key, i.id, i.title,
                  COALESCE(string_agg(a.role::text || ':' || COALESCE(a.unit_id, -a.group_id)::text, ','
                           ORDER BY a.position), '')
           FROM items i LEFT JOIN assignments a ON a.item_id = i.id
           GROUP BY i.id ORDER BY i.key"#,
    )
    .fetch_all(&app.pool)
    .await
    .expect("snapshot")
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.pool)
        .await
        .expect(sql)
}

#[tokio::test]
async fn bundled_seed_has_every_part_of_the_document() {
    let app = spawn_app().await;
    let by_kind: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind::text, count(*) FROM items GROUP BY kind ORDER BY min(position)",
    )
    .fetch_all(&app.pool)
    .await
    .expect("counts");
    let expected = [
        ("indicator", 4),
        ("subtarget", 4),
        ("principle", 3),
        ("category", 7),
        ("task", 29),
        ("column", 1),
        ("column_area", 7),
        ("project", 17),
        ("requirement", 3),
    ];
    let expected: Vec<(String, i64)> = expected.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(by_kind, expected);
    assert_eq!(count(&app, "SELECT count(*) FROM milestones").await, 12);
    assert_eq!(
        count(&app, "SELECT count(*) FROM indicator_targets").await,
        4
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM subtarget_targets").await,
        4
    );
    // Every subtarget, task and project names at least one unit, and keeps its raw line.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM items i WHERE kind IN ('subtarget','task','project')
             AND (units_text IS NULL OR NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id))"
        )
        .await,
        0
    );

    // The same, as a reader sees it.
    let doc = app.page("/").await;
    assert_eq!(texts(&doc, ".stats strong"), ["4", "4", "29", "17"]);
    assert_eq!(select(&doc, "#tasks tbody tr:not(.column-row)").len(), 29);
    assert_eq!(select(&doc, "#tasks .column-box .areas li").len(), 7);
    assert_eq!(select(&doc, "#projects tbody tr").len(), 17);
    assert_eq!(select(&doc, "#tasks section.category").len(), 7);
    let indicator_goals = texts(
        &doc,
        "#targets table:first-of-type tbody td[data-label='目标'] strong",
    );
    assert_eq!(
        indicator_goals,
        [
            "较“十三五”期末下降15%",
            "较“十三五”期末下降33%",
            "较“十三五”期末下降10%",
            "年均值 < 0.04 人/百万吨"
        ]
    );
    let sub_goals = texts(&doc, "#subtargets + .table-wrap .goal");
    assert_eq!(sub_goals, ["≥ 80%", "≥ 90%", "≥ 0.4‰", "> 60%"]);
}

/// Names listed under one role on an item page (groups and units, not group members).
async fn role_names(app: &TestApp, item: &str, role: &str) -> Vec<String> {
    let doc = app
        .page(&format!("/plans/jincheng-2023-33/items/{item}"))
        .await;
    select(&doc, &format!("section.role-{role} > ul.parties > li > a"))
        .iter()
        .map(text_of)
        .collect()
}

#[tokio::test]
async fn units_are_split_by_role_as_written() {
    let app = spawn_app().await;
    let county = "各县(市、区)人民政府";
    assert_eq!(role_names(&app, "subtarget-1", "lead").await, ["市应急局"]);
    assert_eq!(
        role_names(&app, "subtarget-1", "responsible").await,
        ["市消防救援支队", county]
    );
    assert_eq!(
        role_names(&app, "subtarget-1", "supporting").await,
        ["市财政局"]
    );
    assert_eq!(
        role_names(&app, "task-15", "lead").await,
        ["市应急局", "市消防救援支队"]
    );
    assert_eq!(
        role_names(&app, "task-15", "responsible").await,
        ["市财政局"]
    );
    assert!(role_names(&app, "task-15", "supporting").await.is_empty());
    // Aliases resolve to one body: 各县（市、区）党委政府, 经济技术开发区管委会, 各县(市、区)政府.
    let task3 = role_names(&app, "task-3", "responsible").await;
    assert!(task3.contains(&county.to_string()), "{task3:?}");
    assert!(
        task3.contains(&"晋城经济技术开发区管委会".to_string()),
        "{task3:?}"
    );
    assert!(
        role_names(&app, "project-14", "responsible")
            .await
            .contains(&county.to_string())
    );
    // 其他市安委会成员单位 is the group.
    assert!(
        role_names(&app, "task-4", "responsible")
            .await
            .contains(&"市安委会成员单位".to_string())
    );

    // The county group shows its six members; a group the document does not spell out is
    // marked as waiting for confirmation.
    let doc = app.page("/plans/jincheng-2023-33/items/subtarget-1").await;
    let members = texts(&doc, "section.role-responsible ul.members li");
    assert_eq!(
        members,
        [
            "城区人民政府",
            "泽州县人民政府",
            "高平市人民政府",
            "阳城县人民政府",
            "陵川县人民政府",
            "沁水县人民政府"
        ]
    );
    let doc = app.page("/plans/jincheng-2023-33/items/subtarget-2").await;
    assert_eq!(select(&doc, "section.role-responsible .pending").len(), 1);

    // The raw line is kept, with the page break in 市大数据局 mended.
    let doc = app.page("/plans/jincheng-2023-33/items/task-25").await;
    let raw = texts(&doc, "blockquote.source p").join("");
    assert!(
        raw.contains("市卫健委、市大数据局,各县(市、区)党委、政府等按职责分工负责。"),
        "{raw}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM units WHERE name IN ('市', '大数据局', '市大数据局')"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn reloading_the_same_seed_changes_nothing() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    let changes = app.load_seed(seed::BUNDLED, false).await.expect("reload");
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn first_load_into_an_empty_database_reports_every_addition() {
    let app = spawn_empty_app().await;
    let dry = app.load_seed(seed::BUNDLED, true).await.expect("dry run");
    assert!(dry.len() > 100);
    assert_eq!(
        count(&app, "SELECT count(*) FROM plans").await,
        0,
        "a dry run writes nothing"
    );
    let real = app.load_seed(seed::BUNDLED, false).await.expect("load");
    assert_eq!(dry, real, "the dry run reports exactly what the load does");
    assert_eq!(count(&app, "SELECT count(*) FROM items").await, 75);
}

fn edited_seed() -> String {
    let text = seed::BUNDLED
        .replace("title = \"强化安全生产责任体系建设\"", "title = \"强化安全生产责任体系建设（修订）\"")
        .replace(
            "responsible = [\"市消防救援支队\", \"各县(市、区)人民政府\"]\nsupporting = [\"市财政局\"]",
            "responsible = [\"市消防救援支队\", \"各县(市、区)人民政府\", \"市财政局\"]\nsupporting = []",
        );
    // Drop the last work requirement (the file ends with it).
    let cut = text
        .find("[[requirements]]\nkey = \"requirement-3\"")
        .expect("requirement-3 present");
    text[..cut].to_string()
}

#[tokio::test]
async fn an_edited_seed_updates_in_place() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    let edited = edited_seed();
    assert_ne!(edited, seed::BUNDLED);

    let dry = app.load_seed(&edited, true).await.expect("dry run");
    let shown: Vec<String> = dry.iter().map(ToString::to_string).collect();
    assert!(
        shown.contains(&"~ item task-1: title".to_string()),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|c| c.starts_with("- item requirement-3")),
        "{shown:?}"
    );
    assert!(
        shown
            .iter()
            .any(|c| c.contains("subtarget-1: 「市财政局」 配合 → 负责")),
        "{shown:?}"
    );
    assert_eq!(snapshot(&app).await, before, "a dry run writes nothing");

    let changes = app.load_seed(&edited, false).await.expect("load");
    assert_eq!(changes, dry);
    let after = snapshot(&app).await;
    let id_of = |snap: &[(String, i64, String, String)], key: &str| {
        snap.iter().find(|r| r.0 == key).map(|r| r.1)
    };
    assert_eq!(
        id_of(&after, "task-1"),
        id_of(&before, "task-1"),
        "same row, updated in place"
    );
    assert_eq!(id_of(&after, "requirement-3"), None);
    assert_eq!(after.len(), before.len() - 1);

    let doc = app.page("/plans/jincheng-2023-33/items/task-1").await;
    assert!(texts(&doc, "h1").join("").contains("（修订）"));
    assert!(
        role_names(&app, "subtarget-1", "responsible")
            .await
            .contains(&"市财政局".to_string())
    );
    assert!(
        role_names(&app, "subtarget-1", "supporting")
            .await
            .is_empty()
    );
    assert_eq!(
        app.get("/plans/jincheng-2023-33/items/requirement-3")
            .await
            .status(),
        404
    );

    // And the edited file is now the baseline: loading it again changes nothing.
    assert!(
        app.load_seed(&edited, false)
            .await
            .expect("reload")
            .is_empty()
    );
}
