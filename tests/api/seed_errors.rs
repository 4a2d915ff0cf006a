//! A bad seed file is refused with file, line and field, through the real CLI, and nothing is
//! written.

use std::process::Command;

use plan_portal::accounts::model::UserRole;
use plan_portal::seed;

use crate::admin_plans::preview_seed;
use crate::helpers::{TestApp, select, spawn_app, text_of};
use crate::seed_load::snapshot;

/// 1-based line of the first occurrence of `needle` at or after line `from`.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .expect("needle present")
}

/// Replaces line `line` (1-based) with `with`.
fn replace_line(text: &str, line: usize, with: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines[line - 1] = with;
    lines.join("\n") + "\n"
}

/// Runs `plan-portal seed load FILE` against the test's database; returns (success, stderr).
fn cli_load(app: &TestApp, text: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).expect("write seed");
    let out = Command::new(env!("CARGO_BIN_EXE_plan-portal"))
        .args(["seed", "load"])
        .arg(&path)
        .env("DATABASE_URL", app.database_url())
        .env("RUST_LOG", "warn")
        .output()
        .expect("cli runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path.display().to_string(),
    )
}

/// Each case: the broken text, the line and field the message must name.
fn cases() -> Vec<(&'static str, String, usize, &'static str)> {
    let text = seed::BUNDLED;
    let task2 = line_of(text, "key = \"task-2\"", 1);
    let mut out = Vec::new();

    let l = line_of(text, "title = \"推进安全法治体系建设\"", task2);
    out.push((
        "syntax error",
        replace_line(text, l, "title = \"推进安全法治体系建设"),
        l,
        "title",
    ));

    let l = line_of(text, "responsible = [\"市司法局\"", task2);
    let broken = replace_line(
        text,
        l,
        "responsible = [\"市司法厅\", \"市级负有安全监管职责的部门\"]",
    );
    out.push(("unknown unit", broken, l, "tasks[1].responsible"));

    let l = line_of(text, "number = 2", task2);
    out.push((
        "duplicate number",
        replace_line(text, l, "number = 1"),
        l,
        "tasks[1].number",
    ));

    let l = line_of(text, "category = \"category-1\"", task2);
    out.push((
        "unknown category",
        replace_line(text, l, "category = \"category-9\""),
        l,
        "tasks[1].category",
    ));

    let l = line_of(text, "key = \"task-3\"", 1);
    out.push((
        "duplicate key",
        replace_line(text, l, "key = \"task-2\""),
        l,
        "tasks[2].key",
    ));

    let l = line_of(text, "number = 2", task2);
    out.push((
        "number too large",
        replace_line(text, l, "number = 10000"),
        l,
        "tasks[1].number",
    ));

    let l = line_of(text, "number = 2", task2);
    out.push((
        "wrong type",
        replace_line(text, l, "number = 2.5"),
        l,
        "number",
    ));

    let l = line_of(text, "title = \"推进安全法治体系建设\"", task2);
    out.push((
        "NUL character",
        replace_line(text, l, "title = \"推进\\u0000安全\""),
        l,
        "title",
    ));

    let l = line_of(text, "category = \"category-1\"", task2);
    let broken = replace_line(text, l, "category = \"category-1\"\nafter = \"task-1\"");
    out.push(("field of another kind", broken, l + 1, "tasks[1].after"));

    let ind = line_of(text, "rule = \"relative_decrease\"", 1);
    let broken = replace_line(
        text,
        ind,
        "rule = \"relative_decrease\"\nbaseline_value = -3",
    );
    out.push((
        "negative baseline",
        broken,
        ind + 1,
        "indicators[0].target.baseline_value",
    ));

    // A missing field is reported at the table that lacks it.
    let t = line_of(text, "title = \"推进安全法治体系建设\"", task2);
    let header = task2 - 1;
    out.push(("missing field", replace_line(text, t, ""), header, "title"));

    // Shares of a count: each a known unit, and together the whole where the file says so.
    let project2 = line_of(text, "key = \"project-2\"", 1);
    let l = line_of(text, "{ unit = \"高平市人民政府\", count = 1 },", project2);
    let broken = replace_line(text, l, "    { unit = \"高平市人民政府\", count = 2 },");
    let add_up = line_of(text, "shares_add_up = true", project2);
    out.push((
        "shares not adding up",
        broken,
        add_up,
        "projects[1].milestones[0].shares",
    ));
    let l = line_of(text, "{ unit = \"沁水县人民政府\", count = 2 },", project2);
    out.push((
        "unknown unit in shares",
        replace_line(text, l, "    { unit = \"沁水县政府\", count = 2 },"),
        l,
        "projects[1].milestones[0].shares[0].unit",
    ));
    out
}

#[tokio::test]
async fn each_kind_of_bad_seed_is_refused_with_line_and_field() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    for (what, text, line, field) in cases() {
        let (ok, stderr, path) = cli_load(&app, &text);
        assert!(!ok, "{what}: refused");
        let expected = format!("{path}:{line}: {field}");
        assert!(
            stderr.contains(&expected),
            "{what}: expected «{expected}» in:\n{stderr}"
        );
        assert_eq!(snapshot(&app).await, before, "{what}: nothing written");
    }
}

#[tokio::test]
async fn all_problems_of_a_file_are_listed_at_once() {
    let text = seed::BUNDLED
        .replacen("lead = [\"市应急局\"]", "lead = [\"市应急管理局X\"]", 1)
        .replacen("kind = \"department\"", "kind = \"ministry\"", 1);
    let err = seed::parse("two.toml", &text).expect_err("refused");
    assert_eq!(err.issues.len(), 2, "{err}");
    let shown = err.to_string();
    assert!(
        shown.contains("unknown unit or group 「市应急管理局X」"),
        "{shown}"
    );
    assert!(
        shown.contains("units.kind: 「ministry」 is not a unit kind"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_valid_file_loads_through_the_cli_and_a_dry_run_writes_nothing() {
    let app = spawn_app().await;
    let before = snapshot(&app).await;
    let edited = seed::BUNDLED.replace(
        "title = \"推进产业结构调整\"",
        "title = \"推进产业结构调整升级\"",
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("edited.toml");
    std::fs::write(&path, &edited).expect("write");
    let run = |dry: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plan-portal"));
        cmd.args(["seed", "load"])
            .arg(&path)
            .env("DATABASE_URL", app.database_url());
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.output().expect("cli runs")
    };
    let out = run(true);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("~ item task-6: title"), "{stdout}");
    assert!(stdout.contains("would change 1 thing(s)"), "{stdout}");
    assert_eq!(snapshot(&app).await, before);
    let out = run(false);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("changed 1 thing(s)"));
    let title: String = sqlx::query_scalar("SELECT title FROM items WHERE key = 'task-6'")
        .fetch_one(&app.pool)
        .await
        .expect("title");
    assert_eq!(title, "推进产业结构调整升级");
}

/// The problem rows of the admin page after uploading `text`: (line, field, problem).
async fn browser_issues(app: &TestApp, csrf: &str, text: &str) -> Vec<[String; 3]> {
    let resp = preview_seed(app, &app.client, csrf, text).await;
    assert_eq!(resp.status(), 422, "refused");
    let doc = scraper::Html::parse_document(&resp.text().await.expect("body"));
    select(&doc, "section.form-error tbody tr")
        .iter()
        .map(|tr| {
            let cell = |label: &str| {
                let sel = scraper::Selector::parse(&format!("td[data-label='{label}']"))
                    .expect("selector");
                tr.select(&sel).map(|e| text_of(&e)).collect::<String>()
            };
            assert_eq!(cell("文件"), "edited.toml");
            [cell("行"), cell("字段"), cell("问题")]
        })
        .collect()
}

#[tokio::test]
async fn the_admin_page_tells_each_problem_in_chinese_at_its_line_and_field() {
    let app = spawn_app().await;
    app.create_user("seeder", UserRole::Admin, None).await;
    app.login("seeder").await;
    let csrf = app.csrf(&app.client).await;
    let before = snapshot(&app).await;
    for (what, text, line, field) in cases() {
        let issues = browser_issues(&app, &csrf, &text).await;
        let at = format!("第 {line} 行");
        let found = issues
            .iter()
            .find(|[l, f, _]| *l == at && f.starts_with(field))
            .unwrap_or_else(|| panic!("{what}: no row at {at}, {field} in {issues:?}"));
        let problem = &found[2];
        assert!(
            problem
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{what}: in Chinese: {problem}"
        );
        let expected = match what {
            "unknown unit" => Some("未知单位或单位组「市司法厅」"),
            "duplicate number" => Some("重点任务中序号 1 重复"),
            "duplicate key" => Some("键「task-2」重复"),
            "number too large" => Some("应为 1 至 9999 之间的整数"),
            "NUL character" => Some("不允许出现 NUL 空字符"),
            "field of another kind" => Some("重点任务不允许填写此字段"),
            "negative baseline" => Some("不能为负数"),
            "missing field" => Some("缺少必填字段 title"),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(problem, expected, "{what}");
        }
        assert_eq!(snapshot(&app).await, before, "{what}: nothing written");
    }
    // The command line keeps its English for the same file.
    let (_, stderr, _) = cli_load(&app, &cases()[1].1);
    assert!(
        stderr.contains("unknown unit or group 「市司法厅」"),
        "{stderr}"
    );
}
