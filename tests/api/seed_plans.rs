//! Several plans in one portal: other cities, and several plans of one city.

use plan_portal::seed;

use crate::helpers::{select, spawn_app, texts};
use crate::seed_load::{count, snapshot};

/// A second city's plan: same unit names, distinct bodies; both plans stay browsable.
const OTHER_CITY: &str = r#"
[plan]
key = "test-city-2024-1"
jurisdiction = "测试市"
title = "测试市安全生产规划实施方案"
doc_number = "测安委办发〔2024〕1号"
issuer = "测试市安全生产委员会办公室"
issue_date = 2024-01-02
start_year = 2021
end_year = 2025

[[units]]
name = "市应急局"
kind = "department"

[[units]]
name = "甲县人民政府"
kind = "county"

[[groups]]
name = "各县(市、区)人民政府"
members = ["甲县人民政府"]

[[categories]]
key = "category-1"
number = 1
title = "强化监管"

[[tasks]]
key = "task-1"
number = 1
category = "category-1"
title = "开展专项检查"
text = "开展专项检查。每年组织一次全市专项检查。"
units_text = "市应急局牵头,各县(市、区)人民政府负责。"
lead = ["市应急局"]
responsible = ["各县(市、区)人民政府"]
"#;

#[tokio::test]
async fn plans_of_two_cities_live_side_by_side() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    app.load_seed(OTHER_CITY, false)
        .await
        .expect("second plan loads");
    assert_eq!(count(&app, "SELECT count(*) FROM plans").await, 2);
    assert_eq!(
        count(&app, "SELECT count(*) FROM units WHERE name = '市应急局'").await,
        2
    );
    // The Jincheng plan is untouched.
    let jincheng: Vec<_> = snapshot(&app)
        .await
        .into_iter()
        .filter(|r| before.iter().any(|b| b.1 == r.1))
        .collect();
    assert_eq!(jincheng, before);

    let doc = app.page("/plans").await;
    assert_eq!(select(&doc, "tbody tr").len(), 2);
    // The most recently issued plan is the default.
    let doc = app.page("/").await;
    assert_eq!(texts(&doc, "h1"), ["测试市安全生产规划实施方案"]);
    let doc = app.page("/plans/test-city-2024-1/items/task-1").await;
    let members = texts(&doc, "section.role-responsible ul.members li");
    assert_eq!(members, ["甲县人民政府"]);
    let doc = app.page("/plans/jincheng-2023-33").await;
    assert_eq!(texts(&doc, ".stats strong"), ["4", "4", "29", "17"]);
}

#[tokio::test]
async fn two_plans_of_one_jurisdiction_do_not_undo_each_other() {
    let app = spawn_app().await;
    // A second Jincheng plan that names 市应急局 with an alias of its own and lists only two
    // county governments in the county group.
    let second = OTHER_CITY
        .replace("test-city-2024-1", "jincheng-2024-9")
        .replace("jurisdiction = \"测试市\"", "jurisdiction = \"晋城市\"")
        .replace(
            "name = \"市应急局\"\nkind = \"department\"",
            "name = \"市应急局\"\nkind = \"department\"\naliases = [\"晋城市应急局\"]",
        )
        .replace("name = \"甲县人民政府\"", "name = \"城区人民政府\"")
        .replace(
            "members = [\"甲县人民政府\"]",
            "members = [\"城区人民政府\"]",
        );
    let changes = app
        .load_seed(&second, false)
        .await
        .expect("second plan loads");
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, seed::Change::Removed(_))),
        "{changes:?}"
    );
    // Reloading either file again changes nothing.
    assert!(
        app.load_seed(seed::BUNDLED, false)
            .await
            .expect("reload")
            .is_empty()
    );
    assert!(
        app.load_seed(&second, false)
            .await
            .expect("reload")
            .is_empty()
    );
    let members = count(&app, "SELECT count(*) FROM unit_group_members m JOIN unit_groups g ON g.id = m.group_id WHERE g.name = '各县(市、区)人民政府'").await;
    assert_eq!(members, 6);
    // A spelling another plan gave to one body cannot be taken by a different body.
    let clash = second.replace(
        "aliases = [\"晋城市应急局\"]",
        "aliases = [\"晋城市应急局\", \"市财政局\"]",
    );
    let err = app.load_seed(&clash, false).await.expect_err("refused");
    assert!(
        err.contains("「市财政局」 already names 「市财政局」"),
        "{err}"
    );
}
