//! Rules said once: which kinds of item are reported, and who must report what in a round.

use std::collections::HashSet;

use plan_portal::analytics::facts;
use plan_portal::plan::model::ItemKind;

use crate::fixtures::open_round;
use crate::helpers::spawn_app;
use crate::seed_load::count as id;

#[tokio::test]
async fn the_database_and_rust_agree_on_which_kinds_are_reported() {
    let app = spawn_app().await;
    // Every kind the database knows decodes into ItemKind, so none is left out.
    let kinds: Vec<(ItemKind, bool)> =
        sqlx::query_as("SELECT k, reportable(k) FROM unnest(enum_range(NULL::item_kind)) k")
            .fetch_all(&app.pool)
            .await
            .expect("kinds");
    assert_eq!(kinds.len(), 9);
    for (kind, sql) in &kinds {
        assert_eq!(kind.is_reportable(), *sql, "{kind:?}");
    }
    let reported: Vec<ItemKind> = kinds.iter().filter(|k| k.1).map(|k| k.0).collect();
    assert_eq!(
        reported,
        [
            ItemKind::Indicator,
            ItemKind::Subtarget,
            ItemKind::Task,
            ItemKind::Project
        ]
    );
}

#[tokio::test]
async fn the_dashboard_asks_what_the_round_duties_view_asks() {
    let app = spawn_app().await;
    let whole = open_round(&app).await;
    let scoped = id(
        &app,
        r#"INSERT INTO reporting_rounds (plan_id, key, title, kind, period_start, period_end,
                                        opens_on, due_on, created_by)
           SELECT id, 'scoped', '部分事项', 'ad_hoc', current_date - 30, current_date,
                  current_date - 1, current_date + 7, 'test' FROM plans RETURNING id"#,
    )
    .await;
    let task = id(&app, "SELECT id FROM items WHERE key = 'task-1'").await;
    let unit = app.unit_id("高平市人民政府").await;
    sqlx::query(
        r#"WITH i AS (INSERT INTO round_scope_items (round_id, item_id) VALUES ($1, $2))
           INSERT INTO round_scope_units (round_id, unit_id) VALUES ($1, $3)"#,
    )
    .bind(scoped)
    .bind(task)
    .bind(unit)
    .execute(&app.pool)
    .await
    .expect("scope");

    let plan = facts::plan_by_key(&app.pool, "jincheng-2023-33")
        .await
        .expect("plan")
        .expect("the plan");
    let f = facts::load(&app.pool, plan).await.expect("facts");
    assert_eq!(f.due[&scoped], HashSet::from([(task, unit)]));
    let all = &f.due[&whole];
    assert!(all.contains(&(task, unit)));
    // Only reportable items are asked for, and every duty on them is.
    let kind = |id: i64| f.items.iter().find(|i| i.id == id).expect("item").kind;
    assert!(all.iter().all(|(item, _)| kind(*item).is_reportable()));
    let duties: HashSet<(i64, i64)> = f
        .duties
        .iter()
        .filter(|d| kind(d.item_id).is_reportable())
        .map(|d| (d.item_id, d.unit_id))
        .collect();
    assert_eq!(*all, duties);
}
