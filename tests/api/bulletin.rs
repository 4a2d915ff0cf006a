//! The 季度通报 (page and official-format Word file) and the printable 报送表.

use std::io::Cursor;

use plan_portal::accounts::model::UserRole;

use crate::evaluation_gongwen::part;
use crate::helpers::{PASSWORD, spawn_app, texts};
use crate::supervision::round;

/// 高平 reports late and behind the path, the rest not at all: the bulletin ranks 高平 first,
/// names the lag and the units owing reports, and its Word file is an official document.
#[tokio::test]
async fn the_bulletin_ranks_units_fairly_on_the_page_and_in_word() {
    let app = spawn_app().await;
    let late = crate::lateness::gp_reports_late_and_behind(&app).await;
    app.create_user("boss", UserRole::Leader, None).await;
    app.create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    let (boss, rep) = (app.new_client(), app.new_client());
    app.login_with(&boss, "boss", PASSWORD).await;
    app.login_with(&rep, "gp", PASSWORD).await;
    let base = "/plans/jincheng-2023-33/bulletin";

    let page = app.page_as(&boss, &format!("{base}?round={late}")).await;
    let units = texts(&page, "#h-rank ~ .table-wrap tbody th");
    assert_eq!(units[0], "高平市人民政府", "{units:?}");
    assert_eq!(
        texts(&page, "#h-rank ~ .table-wrap tbody td[data-label='排名']")[0],
        "1"
    );
    let owing = texts(&page, "#h-owing ~ ul li");
    assert!(
        owing.iter().any(|o| o.starts_with("阳城县人民政府：")),
        "{owing:?}"
    );
    assert!(
        !owing.iter().any(|o| o.starts_with("高平市人民政府")),
        "{owing:?}"
    );
    assert!(
        texts(&page, "#h-lagging ~ ul li")
            .iter()
            .any(|l| l.contains("高平市人民政府（5%）"))
    );

    let resp = boss
        .get(format!("{}{base}?round={late}&format=docx", app.address))
        .send()
        .await
        .expect("docx");
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.expect("bytes").to_vec();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a docx file");
    let doc = part(&mut zip, "word/document.xml");
    assert!(
        doc.contains("w:w=\"11906\"") && doc.contains("w:h=\"16838\""),
        "A4"
    );
    assert!(doc.contains("仿宋_GB2312") && doc.contains("高平市人民政府"));
    assert!(doc.contains("规划实施进展情况的通报"));
    // Page numbers 「— 1 —」 in every footer.
    crate::evaluation_gongwen::page_numbers(&mut zip);
    let core = part(&mut zip, "docProps/core.xml");
    assert!(core.contains("测试boss") || core.contains("boss"), "{core}");
    assert!(!core.contains("1970"));

    // Units read their own to-do, not the bureau's bulletin.
    let resp = rep
        .get(format!("{}{base}", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 403);
}

/// The unit prints its round with the signature lines; another unit may not.
#[tokio::test]
async fn a_unit_prints_its_report_sheet_for_signatures() {
    let app = spawn_app().await;
    let late = round(&app, "late", -3).await;
    let gp = app.unit_id("高平市人民政府").await;
    app.create_user("gp", UserRole::Reporter, Some("高平市人民政府"))
        .await;
    app.create_user("yc", UserRole::Reporter, Some("阳城县人民政府"))
        .await;
    let (gp_c, yc_c) = (app.new_client(), app.new_client());
    app.login_with(&gp_c, "gp", PASSWORD).await;
    app.login_with(&yc_c, "yc", PASSWORD).await;
    let path = format!("/rounds/{late}/units/{gp}/print");
    let page = app.page_as(&gp_c, &path).await;
    let lines = texts(&page, ".sign-lines p");
    for who in ["填报人", "审核人", "分管领导"] {
        assert!(lines.iter().any(|l| l.starts_with(who)), "{who}: {lines:?}");
    }
    let due: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM round_duties WHERE round_id = $1 AND unit_id = $2",
    )
    .bind(late)
    .bind(gp)
    .fetch_one(&app.pool)
    .await
    .expect("due");
    assert_eq!(texts(&page, "table.print-sheet tbody tr").len() as i64, due);
    let resp = yc_c
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), 403);
}
