//! Account changes shared by the admin pages and the command line; each is one transaction
//! with its audit entry.

use serde_json::json;
use sqlx::PgPool;

use super::model::{NewPassword, UserRole, Username};
use super::password::{Hasher, PasswordError, generate_password};
use super::queries::{self, UserRow};
use super::session;
use crate::audit::{self, Actor, Entry};

#[derive(Debug, thiserror::Error)]
pub enum OpError {
    /// A field is wrong: (field, message in Chinese for the form).
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error("no such account")]
    NotFound,
    /// Someone else changed the account since the form was loaded.
    #[error("the account was changed by someone else meanwhile")]
    Conflict(Box<UserRow>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: UserRole,
    pub unit_id: Option<i64>,
}

/// The rules an account's fields keep, whoever sets them; the display name comes back trimmed.
fn checked(role: UserRole, unit_id: Option<i64>, display_name: &str) -> Result<String, OpError> {
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 50 {
        return Err(OpError::Invalid(
            "display_name",
            "请填写姓名（不超过 50 个字）".into(),
        ));
    }
    match (role.needs_unit(), unit_id) {
        (true, None) => Err(OpError::Invalid(
            "unit",
            "填报员和单位审核人必须选择所属单位".into(),
        )),
        (false, Some(_)) => Err(OpError::Invalid(
            "unit",
            "该角色不属于具体单位，请不要选择单位".into(),
        )),
        _ => Ok(display_name.to_string()),
    }
}

fn snapshot(u: &UserRow) -> serde_json::Value {
    json!({
        "username": u.username, "display_name": u.display_name, "role": u.role,
        "unit": u.unit_name, "disabled": u.disabled, "must_change_password": u.must_change_password,
    })
}

/// The account as it stands now, its change recorded with the fields before and after.
async fn recorded(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &Actor,
    action: &str,
    user_id: i64,
    before: Option<&UserRow>,
) -> Result<UserRow, OpError> {
    let after = queries::by_id(&mut **tx, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let entry = Entry {
        action,
        object_type: Some("user"),
        object_id: Some(after.username.clone()),
        before: before.map(snapshot),
        after: Some(snapshot(&after)),
        ..Default::default()
    };
    audit::record(&mut **tx, actor, entry).await?;
    Ok(after)
}

/// Creates a built-in account (the demo's, the benchmark's) with a known password, unless one
/// with that name exists, perhaps made by another start at the same moment. Returns whether this
/// call created it.
pub async fn ensure_account(
    pool: &PgPool,
    actor: &Actor,
    (username, display_name, role, unit_id): (&str, &str, UserRole, Option<i64>),
    password: &str,
) -> anyhow::Result<bool> {
    let new = NewUser {
        username: Username::parse(username).map_err(anyhow::Error::msg)?,
        display_name: display_name.to_string(),
        role,
        unit_id,
    };
    match create_user(
        pool,
        &Hasher::default(),
        actor,
        new,
        Some(password.to_string()),
    )
    .await
    {
        Ok(_) => Ok(true),
        Err(OpError::Invalid("username", _)) => Ok(false),
        Err(e) => Err(anyhow::Error::new(e).context(format!("account {username}"))),
    }
}

/// Creates an account. Without `password` one is generated, returned once, and must be
/// changed at first login.
pub async fn create_user(
    pool: &PgPool,
    hasher: &Hasher,
    actor: &Actor,
    new: NewUser,
    password: Option<String>,
) -> Result<(UserRow, Option<String>), OpError> {
    let display_name = checked(new.role, new.unit_id, &new.display_name)?;
    let (plain, generated) = match password {
        Some(p) => {
            let p = NewPassword::parse(&p, new.username.as_str())
                .map_err(|m| OpError::Invalid("password", m.into()))?;
            (p.expose().to_string(), false)
        }
        None => (generate_password()?, true),
    };
    let hash = hasher.hash(plain.clone()).await?;
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar!(
        r#"INSERT INTO users (username, display_name, role, unit_id, password_hash, must_change_password)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (username) DO NOTHING RETURNING id"#,
        new.username.as_str(),
        display_name,
        new.role as UserRole,
        new.unit_id,
        hash,
        generated
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = inserted else {
        return Err(OpError::Invalid(
            "username",
            format!("用户名 {} 已被使用", new.username),
        ));
    };
    let row = recorded(&mut tx, actor, "user.create", id, None).await?;
    tx.commit().await?;
    Ok((row, generated.then_some(plain)))
}

/// Gives an account a new generated password, to be changed at next login, and ends its
/// sessions.
pub async fn reset_password(
    pool: &PgPool,
    hasher: &Hasher,
    actor: &Actor,
    user_id: i64,
) -> Result<String, OpError> {
    let row = queries::by_id(pool, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let plain = generate_password()?;
    let hash = hasher.hash(plain.clone()).await?;
    let entry = Entry {
        action: "user.reset_password",
        object_type: Some("user"),
        object_id: Some(row.username.clone()),
        detail: Some("密码已重置，所有会话已结束".into()),
        ..Default::default()
    };
    set_password(pool, actor, user_id, &hash, true, entry).await?;
    Ok(plain)
}

/// Stores a new password hash and ends every session of the account, with its audit entry,
/// in one transaction.
async fn set_password(
    pool: &PgPool,
    actor: &Actor,
    user_id: i64,
    hash: &str,
    must_change: bool,
    entry: Entry<'_>,
) -> Result<(), OpError> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        r#"UPDATE users SET password_hash = $2, must_change_password = $3, updated_at = now(),
               version = version + 1 WHERE id = $1"#,
        user_id,
        hash,
        must_change
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(())
}

/// What an admin may change on an account; `version` is the one the form was built from.
pub struct UserEdit {
    pub version: i32,
    pub display_name: String,
    pub role: UserRole,
    pub unit_id: Option<i64>,
    pub disabled: bool,
}

/// Applies an admin's edit unless someone changed the account since `edit.version`.
pub async fn update_user(
    pool: &PgPool,
    actor: &Actor,
    user_id: i64,
    edit: UserEdit,
) -> Result<UserRow, OpError> {
    let display_name = checked(edit.role, edit.unit_id, &edit.display_name)?;
    if actor.id == Some(user_id) && (edit.disabled || edit.role != UserRole::Admin) {
        return Err(OpError::Invalid(
            "role",
            "不能停用自己的账户或取消自己的管理员角色".into(),
        ));
    }
    let mut tx = pool.begin().await?;
    let before = queries::by_id(&mut *tx, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let updated = sqlx::query!(
        r#"UPDATE users SET display_name = $3, role = $4, unit_id = $5,
               disabled_at = CASE WHEN $6 THEN COALESCE(disabled_at, now()) ELSE NULL END,
               updated_at = now(), version = version + 1
           WHERE id = $1 AND version = $2"#,
        user_id,
        edit.version,
        display_name,
        edit.role as UserRole,
        edit.unit_id,
        edit.disabled
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(OpError::Conflict(Box::new(before)));
    }
    if edit.disabled || edit.role != before.role {
        sqlx::query!("DELETE FROM sessions WHERE user_id = $1", user_id)
            .execute(&mut *tx)
            .await?;
    }
    let after = recorded(&mut tx, actor, "user.update", user_id, Some(&before)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Disables an account by name (command line); its sessions end at once.
pub async fn disable(pool: &PgPool, actor: &Actor, username: &str) -> Result<(), OpError> {
    let row = queries::by_username(pool, username)
        .await?
        .ok_or(OpError::NotFound)?;
    update_user(
        pool,
        actor,
        row.id,
        UserEdit {
            version: row.version,
            display_name: row.display_name,
            role: row.role,
            unit_id: row.unit_id,
            disabled: true,
        },
    )
    .await
    .map(|_| ())
}

/// The signed-in account changes its own password; every session of it ends, and the caller
/// starts a fresh one.
pub async fn change_own_password(
    pool: &PgPool,
    hasher: &Hasher,
    actor: &Actor,
    user: &session::SessionUser,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), OpError> {
    let stored = queries::password_hash(pool, user.id).await?;
    if !hasher.verify(current.to_string(), Some(stored)).await? {
        return Err(OpError::Invalid("current", "当前密码不正确".into()));
    }
    let new =
        NewPassword::parse(new, &user.username).map_err(|m| OpError::Invalid("new", m.into()))?;
    if new.expose() != confirm {
        return Err(OpError::Invalid("confirm", "两次输入的新密码不一致".into()));
    }
    if new.expose() == current {
        return Err(OpError::Invalid("new", "新密码不能与当前密码相同".into()));
    }
    let hash = hasher.hash(new.expose().to_string()).await?;
    let entry = Entry {
        action: "account.change_password",
        object_type: Some("user"),
        object_id: Some(user.username.clone()),
        detail: Some("本人修改密码，所有会话已结束".into()),
        ..Default::default()
    };
    set_password(pool, actor, user.id, &hash, false, entry).await?;
    Ok(())
}

/// When no enabled admin account exists (a new database), creates `admin`. Returns the
/// password when it was generated, to be shown once; `PLAN_PORTAL_ADMIN_PASSWORD` supplies
/// one instead.
pub async fn ensure_admin(
    pool: &PgPool,
    hasher: &Hasher,
    given: Option<String>,
) -> Result<Option<String>, OpError> {
    if queries::admin_count(pool).await? > 0 {
        return Ok(None);
    }
    let new = NewUser {
        username: Username::parse("admin").map_err(|m| OpError::Invalid("username", m.into()))?,
        display_name: "系统管理员".into(),
        role: UserRole::Admin,
        unit_id: None,
    };
    match create_user(pool, hasher, &Actor::system("system"), new, given).await {
        Ok((_, generated)) => Ok(generated),
        // Another instance created it at the same moment.
        Err(OpError::Invalid("username", _)) => Ok(None),
        Err(e) => Err(e),
    }
}
