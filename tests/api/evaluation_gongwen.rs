//! An evaluation as officials receive it: the Word report in the official document format
//! (GB/T 9704), a cut-off that does not fit the kind of evaluation, and each page saying which
//! reports its figures count.

use std::io::{Cursor, Read};

use chrono::Datelike;
use plan_portal::audit::Actor;
use plan_portal::reports::model::{Completion, MeasuredValue, ProgressStatus};
use plan_portal::reports::workflow::{self, Draft, ReportKey, Review};

use crate::evaluation::{accepted, download, evaluate, supervisor};
use crate::fixtures::open_round;
use crate::helpers::{TestApp, select, spawn_app, text_of, texts};

const LIST: &str = "/plans/jincheng-2023-33/evaluations";

/// 市应急局, the lead, reports 78% on sub-target 1 (at least 80%), and it is accepted.
async fn subtarget_short_of_its_target(app: &TestApp, round: i64) {
    let key = ReportKey {
        round_id: round,
        item_id: sqlx::query_scalar("SELECT id FROM items WHERE key = 'subtarget-1'")
            .fetch_one(&app.pool)
            .await
            .expect("item"),
        unit_id: app.unit_id("市应急局").await,
    };
    let draft = Draft {
        status: ProgressStatus::InProgress,
        percent: Completion::parse("90").expect("percent"),
        measured_value: MeasuredValue::parse("78").expect("value"),
        progress: "执法装备配备持续推进".into(),
        problems: String::new(),
        next_steps: String::new(),
        milestones: Vec::new(),
    };
    let who = Actor::system("test");
    let r = workflow::save(&app.pool, &who, key, 0, &draft, true)
        .await
        .expect("submit");
    workflow::review(&app.pool, &who, key, r.version, Review::Accept, "")
        .await
        .expect("accept");
}

/// Every footer of the document has a PAGE field between 「— 」 and 「 —」.
pub(crate) fn page_numbers(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) {
    let footers: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("word/footer"))
        .map(|n| n.to_string())
        .collect();
    assert!(!footers.is_empty());
    for f in footers {
        let footer = part(zip, &f);
        let page = footer.find(">PAGE<").expect("a PAGE field");
        assert!(footer[..page].contains("— ") && footer[page..].contains(" —"));
    }
}

pub(crate) fn part(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str) -> String {
    let mut s = String::new();
    zip.by_name(name)
        .expect(name)
        .read_to_string(&mut s)
        .expect("utf-8");
    s
}

#[tokio::test]
async fn the_word_report_is_an_official_document_and_says_what_it_counts() {
    let app = spawn_app().await;
    let round = open_round(&app).await;
    accepted(
        &app,
        round,
        ProgressStatus::InProgress,
        "已完成职责清单初稿",
    )
    .await;
    subtarget_short_of_its_target(&app, round).await;
    let (sup, csrf) = supervisor(&app).await;
    let today = plan_portal::reports::today();
    let url = evaluate(&app, &sup, &csrf, "总结评估", &today.to_string()).await;

    // The page says which reports it counts, and the plan is over: 78% of 80% is not done.
    let page = app.page_as(&sup, &url).await;
    let basis = format!("本评估只计截至 {today} 已采纳的报告");
    assert!(texts(&page, "#e-basis").concat().contains(&basis));
    let row = select(&page, "tr")
        .into_iter()
        .map(|r| text_of(&r))
        .find(|t| t.contains("执法装备配备达标率"))
        .unwrap_or_default();
    assert!(row.contains("未完成"), "{row}");
    // The dashboard of a round after the plan's end judges the same sub-target 未完成 too.
    let indicators = app
        .page_as(
            &sup,
            &format!("/plans/jincheng-2023-33/dashboard?round={round}&view=indicators"),
        )
        .await;
    let row = select(&indicators, "tr")
        .into_iter()
        .map(|r| text_of(&r))
        .find(|t| t.contains("执法装备配备达标率"))
        .unwrap_or_default();
    assert!(
        row.contains("未完成") && !row.contains("基本符合预期"),
        "{row}"
    );
    // The dashboard says it counts submitted reports as well as accepted ones.
    let dash = app.page_as(&sup, "/plans/jincheng-2023-33/dashboard").await;
    assert!(
        texts(&dash, "#dash-basis")
            .concat()
            .contains("已报送及已采纳")
    );

    let docx = download(&sup, &format!("{}{url}/docx", app.address)).await;
    let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a docx file");
    let xml = part(&mut zip, "word/document.xml");
    let sect = &xml[xml.rfind("<w:sectPr").expect("sectPr")..];
    for s in [
        r#"<w:pgSz w:w="11906" w:h="16838""#,
        r#"w:top="2098""#,
        r#"w:right="1474""#,
        r#"w:bottom="1984""#,
        r#"w:left="1587""#,
        "w:footerReference",
    ] {
        assert!(sect.contains(s), "sectPr has {s}: {sect}");
    }
    for s in [
        r#"w:eastAsia="方正小标宋简体""#,
        r#"<w:sz w:val="44" />"#,
        r#"w:eastAsia="仿宋_GB2312""#,
        r#"<w:sz w:val="32" />"#,
        r#"w:eastAsia="黑体""#,
        r#"w:eastAsia="楷体_GB2312""#,
        r#"w:firstLine="640""#,
        "一、总体进展",
        "二、目标指标与分目标",
        "三、重点任务",
        "（一）强化本质安全能力建设",
        "强化安全生产责任体系建设",
        "已完成职责清单初稿",
        "未完成",
        basis.as_str(),
        // The 落款: the plan's issuing office, dated the day of the evaluation.
        "晋城市安全生产委员会办公室",
    ] {
        assert!(xml.contains(s), "document has {s}");
    }
    let dated = format!("{}年{}月{}日", today.year(), today.month(), today.day());
    assert!(xml.contains(&dated), "{dated}");

    page_numbers(&mut zip);
    let core = part(&mut zip, "docProps/core.xml");
    assert!(core.contains("<dc:creator>晋城市安全生产委员会办公室</dc:creator>"));
    assert!(core.contains("<cp:lastModifiedBy>测试sup</cp:lastModifiedBy>"));
    assert!(core.contains("<dc:title>总结评估</dc:title>"));
    let year = chrono::Utc::now().year();
    assert!(
        core.contains(&format!(
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{year}-"#
        )),
        "{core}"
    );
    assert!(!core.contains("1970") && !core.contains("unknown"));
}

#[tokio::test]
async fn a_cut_off_that_does_not_fit_the_kind_asks_before_the_evaluation_is_made() {
    let app = spawn_app().await;
    let (sup, csrf) = supervisor(&app).await;
    let today = plan_portal::reports::today().to_string();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM evaluations")
            .fetch_one(&app.pool)
            .await
            .expect("count")
    };
    // After the plan's end the form proposes a 总结评估.
    let list = app.page_as(&sup, LIST).await;
    let selected = select(&list, "#kind option[selected]");
    assert_eq!(selected[0].value().attr("value"), Some("final"));

    let post = |kind: &'static str, cutoff: String, confirm: bool| {
        let (sup, csrf) = (sup.clone(), csrf.clone());
        let app = &app;
        async move {
            let mut form = vec![
                ("csrf", csrf),
                ("kind", kind.to_string()),
                ("title", "第二次评估".to_string()),
                ("cutoff", cutoff),
            ];
            if confirm {
                form.push(("confirm", "1".into()));
            }
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(&sup, LIST, &pairs).await
        }
    };
    // A 中期评估 cut off after 2025-12-31: the form comes back, as typed, with the question.
    let resp = post("mid_term", today.clone(), false).await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    let warning = texts(&doc, "#cutoff-warning").concat();
    assert!(warning.contains("晚于规划期末（2025-12-31）"), "{warning}");
    assert!(warning.contains("仍按此日期生成"));
    let confirm = select(&doc, "#cutoff-warning input[type=checkbox][name=confirm]");
    assert_eq!(confirm.len(), 1);
    assert!(confirm[0].value().attr("checked").is_none());
    assert_eq!(
        select(&doc, "#title")[0].value().attr("value"),
        Some("第二次评估")
    );
    assert_eq!(
        select(&doc, "#kind option[selected]")[0]
            .value()
            .attr("value"),
        Some("mid_term")
    );
    assert_eq!(
        select(&doc, "#cutoff")[0].value().attr("value"),
        Some(today.as_str())
    );
    // A 总结评估 cut off inside the plan period asks too.
    let resp = post("final", "2024-06-30".into(), false).await;
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    assert!(
        texts(&doc, "#cutoff-warning")
            .concat()
            .contains("早于规划期末")
    );
    assert_eq!(count().await, 0);
    // Fitting pairs need no confirmation; a confirmed odd one goes ahead and is logged so.
    assert_eq!(
        post("mid_term", "2024-06-30".into(), false).await.status(),
        303
    );
    assert_eq!(post("mid_term", today.clone(), true).await.status(), 303);
    assert_eq!(count().await, 2);
    let logged: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT after->>'cutoff_warning' FROM audit_log WHERE action = 'evaluation.create' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .expect("audit");
    assert_eq!(logged.len(), 2);
    assert!(logged[0].is_none());
    assert!(
        logged[1]
            .as_deref()
            .is_some_and(|w| w.contains("晚于规划期末"))
    );
}
