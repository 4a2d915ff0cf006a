//! 季度通报: a round's bulletin — the totals, the units ranked fairly (not reporting ranks below
//! reporting a lag), the lagging items and who owes reports — as a page and as a Word file in
//! the official format (`gongwen`). The figures are the dashboard's (`analytics::ranking`).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::analytics::facts::Facts;
use crate::analytics::ranking::{self, COUNTED};
use crate::analytics::rollup::{Filters, Snapshot};
use crate::analytics::rules::ItemStatus;
use crate::clock::today;
use crate::error::{AppError, render};
use crate::gongwen::{Gongwen, Meta, chinese_date};
use crate::policy::DashboardReader;
use crate::web::Chrome;
use crate::web::extract::{Path, Query};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct BulletinQuery {
    round: String,
    /// `docx`: the Word file; anything else: the page.
    format: String,
}

/// What the bulletin says, for the page and the Word file alike.
pub struct Bulletin {
    pub plan_key: String,
    pub title: String,
    pub issuer: String,
    pub round_id: i64,
    pub rounds: Vec<(i64, String)>,
    pub summary: String,
    /// rank, unit, the counts in `COUNTED` order, score.
    pub ranked: Vec<(String, String, [usize; 7], String)>,
    /// label and title, and who lags with their numbers.
    pub lagging: Vec<(String, String)>,
    /// Units owing reports, most first: (unit, how many).
    pub owing: Vec<(String, usize)>,
    pub date: String,
}

/// The page: the bulletin inside the reader's layout.
#[derive(Template)]
#[template(path = "bulletin/page.html")]
struct Page {
    chrome: Chrome,
    b: Bulletin,
}

impl Bulletin {
    pub fn heads(&self) -> [&'static str; 7] {
        COUNTED
    }
}

fn build(facts: &Facts, round_id: Option<i64>, issuer: String) -> Option<Bulletin> {
    let today = today();
    // A bulletin reports on a quarter that has closed: by default the latest one due.
    let round = round_id
        .and_then(|id| facts.rounds.iter().find(|r| r.id == id))
        .or_else(|| {
            facts
                .rounds
                .iter()
                .filter(|r| r.scheduled && r.due_on <= today)
                .max_by_key(|r| r.due_on)
        })
        .or(facts.rounds.first())?;
    let s = Snapshot::new(facts, round);
    let items = s.items(&Filters::default());
    let mut scores = ranking::scores(&s, &items, today);
    ranking::by_rank(&mut scores);
    let mut totals = [0usize; 7];
    for u in &scores {
        for (t, n) in totals.iter_mut().zip(u.counts) {
            *t += n;
        }
    }
    let done = items
        .iter()
        .filter(|i| i.status == ItemStatus::Completed)
        .count();
    let behind: Vec<_> = items
        .iter()
        .filter(|i| i.status == ItemStatus::Lagging)
        .collect();
    let summary = format!(
        "{}，各责任单位应报告 {} 份，按时报送 {} 份，迟报 {} 份，逾期未报 {} 份；纳入统计的 {} 项事项中已完成 {} 项，滞后 {} 项；序时进度 {}%。",
        round.title,
        totals[0],
        totals[1],
        totals[2],
        totals[3],
        items.len(),
        done,
        behind.len(),
        s.expected.round_dp(1).normalize()
    );
    let lagging = behind
        .iter()
        .map(|i| {
            let who: Vec<String> = i
                .lines
                .iter()
                .filter(|l| l.due && s.line_status(l) == ItemStatus::Lagging)
                .map(|l| match l.latest.and_then(|r| r.percent) {
                    Some(p) => format!("{}（{}%）", l.unit.name, p.normalize()),
                    None => l.unit.name.clone(),
                })
                .collect();
            (
                format!("{} {}", i.item.label(), i.item.title),
                if who.is_empty() {
                    "—".into()
                } else {
                    who.join("、")
                },
            )
        })
        .collect();
    let mut owing: Vec<(String, usize)> = scores
        .iter()
        .filter(|u| u.counts[3] > 0)
        .map(|u| (u.unit.name.clone(), u.counts[3]))
        .collect();
    owing.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    Some(Bulletin {
        plan_key: facts.plan.key.clone(),
        title: format!("关于{}规划实施进展情况的通报", round.title),
        issuer,
        round_id: round.id,
        rounds: facts
            .rounds
            .iter()
            // The rounds due so far, and the one shown even when it is not due yet.
            .filter(|r| r.due_on <= today || r.id == round.id)
            .rev()
            .map(|r| (r.id, r.title.clone()))
            .collect(),
        summary,
        ranked: scores
            .iter()
            .map(|u| {
                let rank = u.rank.map_or("—".into(), |r| r.to_string());
                (rank, u.unit.name.clone(), u.counts, u.score_text())
            })
            .collect(),
        lagging,
        owing,
        date: chinese_date(today),
    })
}

async fn bulletin(state: &AppState, key: &str, round: &str) -> Result<Bulletin, AppError> {
    let facts = crate::dashboard::load(state, key).await?;
    let plan = crate::plan::queries::plan_by_key(&state.pool, key)
        .await?
        .ok_or(AppError::NotFound)?;
    build(&facts, round.trim().parse().ok(), plan.issuer).ok_or(AppError::NotFound)
}

/// The bulletin as a page, or (`format=docx`) as a Word file.
pub(crate) async fn show(
    State(state): State<AppState>,
    DashboardReader(user): DashboardReader,
    Path(key): Path<String>,
    Query(q): Query<BulletinQuery>,
) -> Result<Response, AppError> {
    let b = bulletin(&state, &key, &q.round).await?;
    if q.format == "docx" {
        return docx(b, &user.display_name);
    }
    Ok(render(&Page {
        chrome: Chrome::new(Some(user)),
        b,
    })?
    .into_response())
}

/// The bulletin as a Word file in the 党政机关公文格式.
fn docx(b: Bulletin, reader: &str) -> Result<Response, AppError> {
    let mut doc = Gongwen::new(&b.title);
    doc.body("各县（市、区）人民政府，市直各有关单位：")
        .body(&format!(
            "现将{}通报如下。",
            b.summary.split('，').next().unwrap_or("本期情况")
        ))
        .heading1("总体情况")
        .body(&b.summary)
        .heading1("各单位报送与进展排名");
    let mut heads = vec!["排名", "单位"];
    heads.extend(COUNTED);
    heads.push("得分");
    let rows = b
        .ranked
        .iter()
        .map(|(rank, unit, counts, score)| {
            let mut r = vec![rank.clone(), unit.clone()];
            r.extend(counts.iter().map(usize::to_string));
            r.push(score.clone());
            r
        })
        .collect();
    doc.table(&heads, rows, &[2, 8, 2, 2, 2, 2, 2, 2, 2, 2])
        .body("得分：按时报送 100 分、迟报 60 分、逾期未报 0 分，报告进度滞后的减 20 分，取平均；如实报告滞后的单位得分高于不报送的单位。")
        .heading1("滞后事项");
    if b.lagging.is_empty() {
        doc.body("本期无滞后事项。");
    }
    for (item, who) in &b.lagging {
        doc.body(&format!("{item}：{who}。"));
    }
    doc.heading1("逾期未报单位");
    if b.owing.is_empty() {
        doc.body("本期无逾期未报的单位。");
    } else {
        let list: Vec<String> = b
            .owing
            .iter()
            .map(|(u, n)| format!("{u}（{n} 份）"))
            .collect();
        doc.body(&format!(
            "{}。请以上单位抓紧补报，并在督办台账中说明逾期原因。",
            list.join("、")
        ));
    }
    doc.signature(&b.issuer, today());
    let bytes = doc
        .to_docx(&Meta::now(&b.issuer, reader))
        .map_err(|e| AppError::Internal(anyhow::anyhow!("bulletin docx: {e}")))?;
    Ok(crate::web::attachment(
        &format!("{}.docx", b.title),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        bytes,
    ))
}
