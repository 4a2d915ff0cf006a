//! The outline reader on small documents of its own.
use super::*;

fn paras(lines: &[&str]) -> Vec<Para> {
    lines
        .iter()
        .enumerate()
        .map(|(i, t)| Para {
            text: t.to_string(),
            place: format!("第{}行", i + 1),
        })
        .collect()
}

#[test]
fn page_breaks_are_mended_but_headings_are_not_joined() {
    let m = mend(&paras(&[
        "(三)保障机制。加强组织领导，负责推",
        "动和督促《规划》落实。",
        "(一)强化本质安全能力建设",
        "1.强化。严格",
        "责任单位:市应急局、市民",
        "政局,各县(市、区)人民政府。",
    ]));
    let texts: Vec<&str> = m.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "(三)保障机制。加强组织领导，负责推动和督促《规划》落实。",
            "(一)强化本质安全能力建设",
            "1.强化。严格",
            "责任单位:市应急局、市民政局,各县(市、区)人民政府。"
        ]
    );
}

#[test]
fn categories_tasks_columns_and_units() {
    let mut d = Draft::default();
    read(
        &mend(&paras(&[
            "三、重点任务",
            "(一)强化本质安全能力建设",
            "1. 强化责任体系建设。严格落实。",
            "责任单位:市应急局牵头,市财政局配合。",
            "专栏 2 安全生产专项整治重点",
            "1.危险化学品:化工园区。",
            "(二)健全体制机制",
            "2.强化指挥。建立指挥部。（市应急局、市公安局牵头，各县市区政府按职责分工负责）",
            "四、重点工程",
            "(一)灾害风险调查工程",
            "开展调查。",
            "责任单位:市应急局。",
        ])),
        true,
        &mut d,
    );
    let keys: Vec<String> = d.items.iter().map(Item::key).collect();
    assert_eq!(
        keys,
        [
            "category-1",
            "task-1",
            "column-2",
            "column-2-1",
            "category-2",
            "task-2",
            "project-1"
        ]
    );
    assert_eq!(d.items[1].title, "强化责任体系建设");
    assert_eq!(
        d.items[1].units_text.as_deref(),
        Some("市应急局牵头,市财政局配合。")
    );
    assert_eq!(d.items[3].title, "危险化学品");
    assert_eq!(d.items[5].text, "强化指挥。建立指挥部。");
    assert_eq!(
        d.items[5].units_text.as_deref(),
        Some("市应急局、市公安局牵头，各县市区政府按职责分工负责")
    );
    assert_eq!(d.items[6].title, "灾害风险调查工程");
    assert_eq!(d.items[6].text, "开展调查。");
}
