//! One rule for lateness: what the dashboard counts as 逾期未报 is what the ledger flags red,
//! round by round; 配合 units can be due before the lead; and the ranking puts a unit that
//! reports a lag above one that does not report.

use plan_portal::accounts::model::UserRole;
use plan_portal::demo;

use crate::helpers::{PASSWORD, TestApp, spawn_app, texts};
use crate::supervision::{LEDGER, count, round, sweep_now};

pub(crate) const DASHBOARD: &str = "/plans/jincheng-2023-33/dashboard";

pub(crate) fn number(doc: &scraper::Html, css: &str) -> i64 {
    let t = texts(doc, css);
    t.first()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no number at {css}: {t:?}"))
}

async fn supervisor(app: &TestApp) -> reqwest::Client {
    app.create_user("sup", UserRole::Supervisor, None).await;
    let sup = app.new_client();
    app.login_with(&sup, "sup", PASSWORD).await;
    sup
}

/// The demo with the portal in use since 2023: for every round, the dashboard's 逾期未报 equals
/// the ledger's open red flags, and some rounds have both.
#[tokio::test]
async fn every_round_of_the_demo_has_a_red_flag_for_each_overdue_report() {
    let app = spawn_app().await;
    demo::prepare(&app.pool).await.expect("demo");
    sqlx::query(
        "INSERT INTO plan_rules (plan_id, started_on) SELECT id, DATE '2023-01-01' FROM plans
         ON CONFLICT (plan_id) DO UPDATE SET started_on = EXCLUDED.started_on",
    )
    .execute(&app.pool)
    .await
    .expect("启用日期");
    let sup = supervisor(&app).await;
    sweep_now(&app, &sup).await;
    let rounds: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, title FROM reporting_rounds WHERE due_on < current_date ORDER BY due_on",
    )
    .fetch_all(&app.pool)
    .await
    .expect("rounds");
    assert!(rounds.len() >= 8, "{rounds:?}");
    let mut overdue_total = 0;
    for (id, title) in rounds {
        let dash = app.page_as(&sup, &format!("{DASHBOARD}?round={id}")).await;
        let overdue = number(&dash, "a.stat-warn .stat-value");
        let ledger = app.page_as(&sup, &format!("{LEDGER}?round={id}")).await;
        let red = number(&ledger, ".status-bar .flag-red strong");
        assert_eq!(
            overdue, red,
            "{title}: dashboard 逾期未报 vs ledger 红色未解除"
        );
        overdue_total += overdue;
    }
    assert!(overdue_total > 0, "the demo has overdue reports");
    // Each red flag says how long it has been overdue, worst first.
    let ledger = app
        .page_as(&sup, &format!("{LEDGER}?level=red&state=open"))
        .await;
    let reasons = texts(&ledger, "td[data-label='原因'] strong");
    assert!(
        reasons.first().is_some_and(|r| r.starts_with("逾期 ")),
        "{reasons:?}"
    );
    let days: Vec<i64> = reasons
        .iter()
        .filter_map(|r| {
            r.trim_start_matches("逾期 ")
                .trim_end_matches(" 天")
                .parse()
                .ok()
        })
        .collect();
    assert!(
        days.windows(2).all(|w| w[0] >= w[1]),
        "oldest first: {days:?}"
    );
}

/// A 配合 unit due ten days early in a round due in nine: its deadline passed yesterday, so it
/// is overdue and flagged red although the round itself is further off than 临近截止 (7 days).
#[tokio::test]
async fn a_staged_deadline_further_off_than_due_soon_is_still_flagged() {
    let app = spawn_app().await;
    let later = round(&app, "later", 9).await;
    sqlx::query("UPDATE plan_rules SET support_days_earlier = 10")
        .execute(&app.pool)
        .await
        .expect("staged");
    let sup = supervisor(&app).await;
    sweep_now(&app, &sup).await;
    let red = count(&app, &format!("SELECT count(*) FROM supervision_flags WHERE round_id = {later} AND level = 'red' AND cleared_at IS NULL")).await;
    assert!(red > 0, "partners past their own deadline are flagged");
    let dash = app
        .page_as(&sup, &format!("{DASHBOARD}?round={later}"))
        .await;
    assert_eq!(number(&dash, "a.stat-warn .stat-value"), red);
}

/// The 总结评估 counts lateness by the same rule: its units' 逾期未报, added up, equal the
/// dashboard's 逾期未报 of every round due by the cut-off.
#[tokio::test]
async fn the_evaluation_counts_the_overdue_reports_the_dashboard_counts() {
    let app = spawn_app().await;
    demo::prepare(&app.pool).await.expect("demo");
    sqlx::query("UPDATE plan_rules SET started_on = DATE '2023-01-01'")
        .execute(&app.pool)
        .await
        .expect("启用日期");
    let sup = supervisor(&app).await;
    let rounds: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM reporting_rounds WHERE due_on < current_date AND due_on >= DATE '2023-01-01'",
    )
    .fetch_all(&app.pool)
    .await
    .expect("rounds");
    let mut overdue = 0;
    for id in rounds {
        let dash = app.page_as(&sup, &format!("{DASHBOARD}?round={id}")).await;
        overdue += number(&dash, "a.stat-warn .stat-value");
    }
    assert!(overdue > 0);
    let csrf = app.csrf(&sup).await;
    let today = plan_portal::clock::today().to_string();
    let at = crate::evaluation::evaluate(&app, &sup, &csrf, "总结评估", &today).await;
    let report = app.page_as(&sup, &at).await;
    let counted: i64 = texts(&report, "td[data-label='逾期未报']")
        .iter()
        .filter_map(|t| t.trim().parse::<i64>().ok())
        .sum();
    assert_eq!(counted, overdue, "evaluation 逾期未报 vs the dashboards'");
}

/// With 配合 units due five days before the round, a round due in three days is already overdue
/// for them and only near for the lead and responsible units.
#[tokio::test]
async fn supporting_units_can_be_due_before_the_lead() {
    let app = spawn_app().await;
    let soon = round(&app, "soon", 3).await;
    sqlx::query("UPDATE plan_rules SET support_days_earlier = 5")
        .execute(&app.pool)
        .await
        .expect("staged");
    let sup = supervisor(&app).await;
    sweep_now(&app, &sup).await;
    let by_role = |level: &str, role: &str| {
        format!(
            "SELECT count(*) FROM supervision_flags f JOIN unit_duties d
               ON d.item_id = f.item_id AND d.unit_id = f.unit_id
             WHERE f.round_id = {soon} AND f.level = '{level}' AND d.role = '{role}'"
        )
    };
    assert!(count(&app, &by_role("red", "supporting")).await > 0);
    assert_eq!(count(&app, &by_role("red", "lead")).await, 0);
    assert_eq!(count(&app, &by_role("blue", "supporting")).await, 0);
    assert!(count(&app, &by_role("blue", "lead")).await > 0);
    // The rules page says so, and the dashboard counts the same reports overdue.
    let rules = app.page_as(&sup, "/plans/jincheng-2023-33/rules").await;
    assert!(
        texts(&rules, "li")
            .iter()
            .any(|t| t.contains("配合单位提前 5 天截止"))
    );
    let dash = app
        .page_as(&sup, &format!("{DASHBOARD}?round={soon}"))
        .await;
    let red = count(&app, &format!("SELECT count(*) FROM supervision_flags WHERE round_id = {soon} AND level = 'red' AND cleared_at IS NULL")).await;
    assert_eq!(number(&dash, "a.stat-warn .stat-value"), red);

    // A 配合 unit's 待办 files its 配合 reports under 已逾期 with its own, earlier deadline
    // (passed two days ago), while the round's other rows are still due on the round's day.
    let (unit, due, early): (String, String, String) = sqlx::query_as(
        "SELECT u.name, r.due_on::text, (r.due_on - 5)::text FROM unit_duties d
         JOIN units u ON u.id = d.unit_id JOIN reporting_rounds r ON r.id = $1
         WHERE d.role = 'supporting' AND u.kind = 'department' ORDER BY u.id LIMIT 1",
    )
    .bind(soon)
    .fetch_one(&app.pool)
    .await
    .expect("a supporting unit");
    app.create_user("partner", UserRole::Reporter, Some(&unit))
        .await;
    let partner = app.new_client();
    app.login_with(&partner, "partner", PASSWORD).await;
    let todo = app.page_as(&partner, "/todo").await;
    let rows = crate::helpers::select(&todo, "#h-due ~ .table-wrap tbody tr");
    let cell = |r: &scraper::ElementRef, label: &str| {
        let css = format!("td[data-label='{label}']");
        r.select(&scraper::Selector::parse(&css).expect("css"))
            .next()
            .map(|c| crate::helpers::text_of(&c))
            .unwrap_or_default()
    };
    assert!(!rows.is_empty(), "its own rows are still due");
    assert!(
        rows.iter()
            .all(|r| cell(r, "角色") != "配合" && cell(r, "截止") == due)
    );
    let late = texts(&todo, "section[aria-labelledby='h-overdue'] li");
    assert!(
        late.iter()
            .any(|l| l.contains("soon") && l.contains(&format!("（{early} 截止）"))),
        "{late:?}"
    );
    // The bureau's board marks its 配合 rows 逾期 (the round's own deadline is still ahead).
    let partner_id = app.unit_id(&unit).await;
    let board = app
        .page_as(&sup, &format!("/rounds/{soon}/board?unit={partner_id}"))
        .await;
    let rows = crate::helpers::select(&board, "tbody tr");
    assert!(
        rows.iter()
            .any(|r| cell(r, "角色") == "配合" && cell(r, "状态").contains("逾期")),
        "the partner's rows are late on the board"
    );
    // Its report page says the same deadline, and that it has passed.
    let item: String = sqlx::query_scalar(
        "SELECT i.key FROM unit_duties d JOIN items i ON i.id = d.item_id JOIN units u ON u.id = d.unit_id
         WHERE d.role = 'supporting' AND u.name = $1 ORDER BY i.position LIMIT 1",
    )
    .bind(&unit)
    .fetch_one(&app.pool)
    .await
    .expect("a 配合 item");
    let unit_id = app.unit_id(&unit).await;
    let page = app
        .page_as(
            &partner,
            &format!("/rounds/{soon}/reports/{item}/{unit_id}"),
        )
        .await;
    let deadline = texts(&page, "dl.meta div");
    assert!(
        deadline
            .iter()
            .any(|d| d.contains(&early) && d.contains("已逾期")),
        "{deadline:?}"
    );
}

/// A round due three days ago in which 高平 reported every item after the deadline, at 5%;
/// no other unit reported. Returns the round.
pub(crate) async fn gp_reports_late_and_behind(app: &TestApp) -> i64 {
    let late = round(app, "late", -3).await;
    let gp = app.unit_id("高平市人民政府").await;
    sqlx::query(
        "INSERT INTO reports (round_id, item_id, unit_id, state, status, percent, progress, submitted_at)
         SELECT round_id, item_id, unit_id, 'submitted', 'in_progress', 5, '推进缓慢', now()
         FROM round_duties WHERE round_id = $1 AND unit_id = $2",
    )
    .bind(late)
    .bind(gp)
    .execute(&app.pool)
    .await
    .expect("reports");
    late
}

/// 高平 reports every item late and behind the path; the others report nothing. 高平 ranks
/// first; sorting by another column works too.
#[tokio::test]
async fn reporting_a_lag_ranks_above_not_reporting() {
    let app = spawn_app().await;
    let late = gp_reports_late_and_behind(&app).await;
    let sup = supervisor(&app).await;
    let units = app
        .page_as(&sup, &format!("{DASHBOARD}?round={late}&view=units"))
        .await;
    let names = texts(&units, "#h-units ~ .table-wrap tbody th[scope='row']");
    let ranks = texts(&units, "#h-units ~ .table-wrap tbody td[data-label='排名']");
    assert_eq!(names[0], "高平市人民政府", "{names:?}");
    assert_eq!(ranks[0], "1");
    assert!(ranks[1..].iter().all(|r| r == "2"), "{ranks:?}");
    let lagging = texts(
        &units,
        "#h-units ~ .table-wrap tbody tr:first-child td[data-label='滞后']",
    );
    assert_ne!(
        lagging,
        ["0"],
        "高平's lag is counted, and still it ranks first"
    );
    let scores = texts(&units, "#h-units ~ .table-wrap tbody td[data-label='得分']");
    assert_eq!((scores[0].as_str(), scores[1].as_str()), ("40", "0"));

    let by_name = app
        .page_as(
            &sup,
            &format!("{DASHBOARD}?round={late}&view=units&sort=name"),
        )
        .await;
    let names = texts(&by_name, "#h-units ~ .table-wrap tbody th[scope='row']");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let heads = texts(&by_name, "th[aria-sort='ascending']");
    assert_eq!(heads, ["单位 ↑"]);
}
