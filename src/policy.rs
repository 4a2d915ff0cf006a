//! Who may do what, stated once. A handler asks for a capability by its type (`AdminOnly(user)`
//! among its arguments) and never checks a role itself; templates ask the same question through
//! [`crate::web::Chrome`]; a report's rights, which depend on the unit, come from
//! [`report_caps`]. A state-changing form proves it came from the signed-in page with
//! [`SignedForm`], which checks the session's form token before the handler runs.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::accounts::extract::{MaybeUser, RequireUser, constant_time_eq};
use crate::accounts::model::UserRole;
use crate::accounts::session::SessionUser;
use crate::error::AppError;
use crate::web::extract::FormPairs;

/// A capability: the roles that hold it.
pub trait Capability {
    const ROLES: &'static [UserRole];
}

/// Whether `role` holds capability `C`.
pub fn allows<C: Capability>(role: UserRole) -> bool {
    C::ROLES.contains(&role)
}

/// Declares a capability as an extractor: a visitor is sent to log in, an account without one
/// of the roles gets 403 before the handler runs.
macro_rules! capability {
    ($(#[$doc:meta])* $name:ident = [$($role:ident),+]) => {
        $(#[$doc])*
        pub struct $name(pub SessionUser);

        impl Capability for $name {
            const ROLES: &'static [UserRole] = &[$(UserRole::$role),+];
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = Response;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Response> {
                let RequireUser(user) = RequireUser::from_request_parts(parts, state).await?;
                if allows::<$name>(user.role) {
                    Ok($name(user))
                } else {
                    Err(AppError::Forbidden.into_response())
                }
            }
        }
    };
}

capability!(
    /// Accounts, units, groups, assignments, item settings and seed files (管理员).
    AdminOnly = [Admin]
);
capability!(
    /// The dashboards, evaluations, the 督办 ledger, every unit's board (督办员, 领导, 管理员).
    DashboardReader = [Supervisor, Leader, Admin]
);
capability!(
    /// Acts for the bureau: opens rounds, chases units, freezes evaluations (督办员).
    SupervisorOnly = [Supervisor]
);
capability!(
    /// Reads the audit log (管理员, 督办员).
    AuditReader = [Admin, Supervisor]
);
capability!(
    /// Sets the judging rules and brings the 督办 flags up to date (督办员, 管理员).
    RulesKeeper = [Supervisor, Admin]
);
capability!(
    /// Works for one unit: reports, signs off, answers flags (填报员, 单位审核人).
    UnitStaff = [Reporter, Approver]
);

/// What the signed-in account may do with one unit's reports.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportCaps {
    pub read: bool,
    pub edit: bool,
    pub approve: bool,
    pub review: bool,
}

/// A unit's reporters edit and its approvers sign off its own reports; the bureau's
/// supervisors review everyone's; leaders and admins read.
impl ReportCaps {
    /// What remains on an archived plan's reports: reading.
    pub fn read_only(self) -> ReportCaps {
        ReportCaps {
            read: self.read,
            ..ReportCaps::default()
        }
    }
}

pub fn report_caps(user: &SessionUser, unit_id: i64) -> ReportCaps {
    let own = user.unit_id == Some(unit_id);
    match user.role {
        UserRole::Reporter if own => ReportCaps {
            read: true,
            edit: true,
            ..ReportCaps::default()
        },
        UserRole::Approver if own => ReportCaps {
            read: true,
            approve: true,
            ..ReportCaps::default()
        },
        UserRole::Supervisor => ReportCaps {
            read: true,
            review: true,
            ..ReportCaps::default()
        },
        UserRole::Leader | UserRole::Admin => ReportCaps {
            read: true,
            ..ReportCaps::default()
        },
        _ => ReportCaps::default(),
    }
}

/// A URL-encoded form posted from a page of the signed-in session: its `csrf` field must be
/// that session's form token, or the request is refused (403) before the handler runs. The
/// fields are read as [`crate::web::extract::Form`] reads them.
pub struct SignedForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for SignedForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = req.into_parts();
        let MaybeUser(user) = MaybeUser::from_request_parts(&mut parts, state).await?;
        // No session, no token to match: refused before a byte of the body is read, so a
        // visitor cannot make the portal buffer large form bodies.
        let Some(user) = user else {
            return Err(AppError::Csrf);
        };
        let pairs = FormPairs::from_request(Request::from_parts(parts, body), state).await?;
        let token = pairs.get("csrf").unwrap_or_default();
        if constant_time_eq(user.csrf_token.as_bytes(), token.as_bytes()) {
            pairs.decode().map(SignedForm)
        } else {
            Err(AppError::Csrf)
        }
    }
}

/// A form that carries nothing but its token: log out, reset a password, check now.
pub type SignedOnly = SignedForm<serde::de::IgnoredAny>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_holds_what_it_should() {
        use UserRole::*;
        let holders = |f: fn(UserRole) -> bool| {
            UserRole::ALL
                .into_iter()
                .filter(|r| f(*r))
                .collect::<Vec<_>>()
        };
        assert_eq!(holders(allows::<AdminOnly>), [Admin]);
        assert_eq!(
            holders(allows::<DashboardReader>),
            [Supervisor, Leader, Admin]
        );
        assert_eq!(holders(allows::<SupervisorOnly>), [Supervisor]);
        assert_eq!(holders(allows::<AuditReader>), [Supervisor, Admin]);
        assert_eq!(holders(allows::<RulesKeeper>), [Supervisor, Admin]);
        assert_eq!(holders(allows::<UnitStaff>), [Reporter, Approver]);
    }
}
