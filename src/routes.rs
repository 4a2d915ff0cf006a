//! Every address of the portal, its methods and its handler, in one table. Who may call a
//! handler is in its signature (a capability from [`crate::policy`]), so this table is the
//! whole map: the layers every request passes through are in [`crate::startup::router`].

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};

use crate::AppState;
use crate::{
    accounts, admin, audit, bulletin, dashboard, evaluation, ops, plan, reports, search,
    supervision, units, web,
};

pub fn table(state: &AppState) -> Router<AppState> {
    Router::new()
        // Public: the plan as published, its units, search.
        .route("/", get(plan::default_overview))
        .route("/plans", get(plan::plan_list))
        .route("/plans/{plan_key}", get(plan::overview))
        .route("/plans/{plan_key}/items/{item_key}", get(plan::item_page))
        .route(
            "/plans/{plan_key}/breakdown.xlsx",
            get(plan::breakdown::breakdown),
        )
        .route("/units", get(units::index))
        .route("/units/{id}", get(units::unit_page))
        .route("/groups/{id}", get(units::group_page))
        .route("/search", get(search::search))
        // Signing in and one's own account.
        .route("/login", get(accounts::login_form).post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/account", get(accounts::own::account_page))
        .route(
            "/account/contact",
            get(accounts::contact::own_form).post(accounts::contact::own_save),
        )
        .route(
            "/account/password",
            get(accounts::own::password_form).post(accounts::own::change_password),
        )
        // Reporting: 待办, rounds, boards, one report and its evidence.
        .route("/todo", get(reports::todo::todo))
        .route(
            "/rounds",
            get(reports::round_list::rounds).post(reports::round_list::create_round),
        )
        .route("/rounds/{round}/board", get(reports::board::board))
        .route(
            "/rounds/{round}/units/{unit}/print",
            get(reports::batch::print),
        )
        .route(
            "/rounds/{round}/units/{unit}/batch",
            get(reports::batch::show)
                .post(reports::batch::act)
                .layer(DefaultBodyLimit::max(reports::batch::MAX_SHEET_BYTES)),
        )
        .route("/rounds/{round}/remind", post(reports::board::remind))
        .route("/rounds/{round}/accept", post(reports::board::accept))
        .route(
            "/rounds/{round}/reports/{item}/{unit}",
            get(reports::page::show).post(reports::save::save),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/versions/{version}",
            get(reports::versions::show),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/review",
            post(reports::review::review),
        )
        .route(
            "/rounds/{round}/reports/{item}/{unit}/evidence",
            post(reports::evidence::upload).layer(DefaultBodyLimit::max(
                reports::evidence::MAX_FILE_BYTES + 256 * 1024,
            )),
        )
        .route("/evidence/{id}", get(reports::evidence::download))
        .route("/evidence/{id}/remove", post(reports::evidence::remove))
        // Reading the plan's progress: dashboards, rules, evaluations, 督办.
        .route("/dashboard", get(dashboard::default_dashboard))
        .route("/plans/{plan}/dashboard", get(dashboard::dashboard))
        .route("/plans/{plan}/dashboard/items", get(dashboard::items))
        .route("/plans/{plan}/bulletin", get(bulletin::show))
        .route(
            "/plans/{plan}/rules",
            get(dashboard::rules_page::show).post(dashboard::rules_page::save),
        )
        .route(
            "/plans/{plan}/evaluations",
            get(evaluation::list).post(evaluation::create),
        )
        .route(
            "/plans/{plan}/evaluations/compare",
            get(evaluation::compare::compare),
        )
        .route("/plans/{plan}/evaluations/{id}", get(evaluation::show))
        .route(
            "/plans/{plan}/evaluations/{id}/{format}",
            get(evaluation::export_file),
        )
        .route("/plans/{plan}/ledger.xlsx", get(evaluation::ledger))
        .route("/plans/{plan}/supervision", get(supervision::ledger))
        .route(
            "/plans/{plan}/supervision/sweep",
            post(supervision::sweep_now),
        )
        .route("/supervision/{id}/answer", post(supervision::answer))
        .route("/admin/audit", get(audit::page::browse))
        .merge(admin_table(state))
        // Operations and assets.
        .route("/healthz", get(web::healthz))
        .route("/metrics", get(ops::scrape))
        .route("/static/style.css", get(web::stylesheet))
        .route("/static/favicon.svg", get(web::favicon))
}

/// The admin pages; their writes are rate-limited per account (`audit::rate::ADMIN_WRITES`).
fn admin_table(state: &AppState) -> Router<AppState> {
    use admin::{
        assignments, groups, import, item_settings, notifications, plans, seeds, unit_list, units,
    };
    Router::new()
        .route("/admin/users", get(admin::list).post(admin::create))
        .route("/admin/users/new", get(admin::new_form))
        .route(
            "/admin/users/{id}",
            get(admin::edit_form).post(admin::update),
        )
        .route(
            "/admin/users/{id}/reset-password",
            post(admin::reset_password),
        )
        .route("/admin/notifications", get(notifications::page))
        .route("/admin/webhooks", post(notifications::add_robot))
        .route(
            "/admin/notifications/{action}/{id}",
            post(notifications::act_on),
        )
        .route(
            "/admin/users/{id}/contact",
            get(accounts::contact::admin_form).post(accounts::contact::admin_save),
        )
        .route("/admin/units", get(unit_list::list).post(units::create))
        .route("/admin/units/new", get(units::new_form))
        .route(
            "/admin/units/{id}",
            get(units::edit_form).post(units::update),
        )
        .route("/admin/groups/{id}", get(groups::edit).post(groups::save))
        .route("/admin/assignments", get(assignments::list))
        .route(
            "/admin/assignments/{item}",
            get(assignments::item_page).post(assignments::add),
        )
        .route(
            "/admin/assignments/{item}/remove",
            post(assignments::remove),
        )
        .route(
            "/admin/assignments/{item}/settings",
            post(item_settings::save),
        )
        .route("/admin/plans", get(plans::list))
        .route("/admin/plans/{key}/archive", post(plans::archive))
        .route(
            "/admin/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::MAX_IMPORT_BYTES + 64 * 1024)),
        )
        .route(
            "/admin/import/review",
            post(import::review).layer(DefaultBodyLimit::max(import::MAX_REVIEW_BYTES)),
        )
        .route("/admin/seeds", get(seeds::form))
        .route(
            "/admin/seeds/preview",
            post(seeds::preview).layer(DefaultBodyLimit::max(seeds::MAX_SEED_BYTES + 64 * 1024)),
        )
        .route(
            "/admin/seeds/apply",
            post(seeds::apply).layer(DefaultBodyLimit::max(3 * seeds::MAX_SEED_BYTES)),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            admin::write_rate,
        ))
}
