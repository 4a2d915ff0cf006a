//! A unit's own share of a collective count: the seed splits 山洪沟道治理 (5 条) into 沁水县 2,
//! 阳城县 2 and 高平市 1, and the county centres (6 个) one per county; a county's report asks
//! only for its share, a county without one is not asked, and the item page shows the split.

use plan_portal::accounts::model::UserRole;

use crate::fixtures::open_round;
use crate::helpers::{PASSWORD, spawn_app, texts};

#[tokio::test]
async fn a_county_is_asked_for_its_own_share_only() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    app.create_user("gp-rep", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("zz-rep", UserRole::Reporter, Some("泽州县人民政府"))
        .await;
    let (gp_c, zz_c) = (app.new_client(), app.new_client());
    app.login_with(&gp_c, "gp-rep", PASSWORD).await;
    app.login_with(&zz_c, "zz-rep", PASSWORD).await;
    let (gp, zz) = (
        app.unit_id("高平市人民政府").await,
        app.unit_id("泽州县人民政府").await,
    );

    let page = app
        .page_as(&gp_c, &format!("/rounds/{round}/reports/project-2/{gp}"))
        .await;
    let asked = texts(&page, "fieldset label").join("|");
    assert!(
        asked.contains("山洪沟道治理（本单位目标 1 条，共 5 条）"),
        "{asked}"
    );
    let page = app
        .page_as(&zz_c, &format!("/rounds/{round}/reports/project-2/{zz}"))
        .await;
    assert!(
        !texts(&page, "fieldset label")
            .join("")
            .contains("山洪沟道治理"),
        "泽州 has no gully in the document"
    );

    // Project 14: the city's centres are not a county's; each county builds one of its own.
    let page = app
        .page_as(&gp_c, &format!("/rounds/{round}/reports/project-14/{gp}"))
        .await;
    let asked = texts(&page, "fieldset label").join("|");
    assert!(!asked.contains("市级应急救援保障中心"), "{asked}");
    assert!(
        asked.contains("建成县级应急救援保障中心（本单位目标 1 个，共 6 个）"),
        "{asked}"
    );

    // The item page shows the split and its sum.
    let item = app.page("/plans/jincheng-2023-33/items/project-2").await;
    let split = texts(&item, "#milestones td[data-label='目标']").join("");
    assert!(
        split.contains("分解：沁水县人民政府 2 · 阳城县人民政府 2 · 高平市人民政府 1（合计 5）"),
        "{split}"
    );
}
