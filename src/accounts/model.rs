//! Account types that parse, not validate: a username, a role, a new password.

use std::fmt;

/// What an account may do. Reporters and approvers belong to one unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "user_role", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    Reporter,
    Approver,
    Supervisor,
    Leader,
    Admin,
}

impl UserRole {
    pub const ALL: [UserRole; 5] = [
        UserRole::Reporter,
        UserRole::Approver,
        UserRole::Supervisor,
        UserRole::Leader,
        UserRole::Admin,
    ];

    pub fn label(self) -> &'static str {
        match self {
            UserRole::Reporter => "填报员",
            UserRole::Approver => "单位审核人",
            UserRole::Supervisor => "督办员",
            UserRole::Leader => "领导",
            UserRole::Admin => "管理员",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            UserRole::Reporter => "reporter",
            UserRole::Approver => "approver",
            UserRole::Supervisor => "supervisor",
            UserRole::Leader => "leader",
            UserRole::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        UserRole::ALL.into_iter().find(|r| r.slug() == s)
    }

    /// Whether accounts of this role act for a unit.
    pub fn needs_unit(self) -> bool {
        matches!(self, UserRole::Reporter | UserRole::Approver)
    }
}

/// A login name: 2 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter or
/// digit (the database checks the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim().to_ascii_lowercase();
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        let ok_start = s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
        if (2..=32).contains(&s.len()) && ok_chars && ok_start {
            Ok(Username(s))
        } else {
            Err("用户名须为 2–32 位小写字母、数字或 . _ -，并以字母或数字开头")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password good enough to set: at least 10 characters, not all one kind, not the username.
pub struct NewPassword(String);

pub const MIN_PASSWORD_CHARS: usize = 10;

impl NewPassword {
    pub fn parse(s: &str, username: &str) -> Result<Self, &'static str> {
        let n = s.chars().count();
        if n < MIN_PASSWORD_CHARS {
            return Err("密码至少需要 10 个字符");
        }
        if n > 128 {
            return Err("密码不能超过 128 个字符");
        }
        let kinds = [
            s.chars().any(|c| c.is_ascii_lowercase()),
            s.chars().any(|c| c.is_ascii_uppercase()),
            s.chars().any(|c| c.is_ascii_digit()),
            s.chars().any(|c| !c.is_ascii_alphanumeric()),
        ];
        if kinds.iter().filter(|k| **k).count() < 2 {
            return Err("密码须包含字母、数字、符号中的至少两类");
        }
        if s.to_ascii_lowercase()
            .contains(&username.to_ascii_lowercase())
        {
            return Err("密码不能包含用户名");
        }
        Ok(NewPassword(s.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse(" Zhang.San ").map(|u| u.to_string()),
            Ok("zhang.san".into())
        );
        assert!(Username::parse("a").is_err());
        assert!(Username::parse("-abc").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn passwords() {
        assert!(NewPassword::parse("short1", "u").is_err());
        assert!(NewPassword::parse("onlyletters", "u").is_err());
        assert!(NewPassword::parse("zhangsan2024!", "zhangsan").is_err());
        assert!(NewPassword::parse("Correct-Horse-7", "zhangsan").is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for r in UserRole::ALL {
            assert_eq!(UserRole::parse(r.slug()), Some(r));
        }
        assert!(UserRole::Reporter.needs_unit() && !UserRole::Leader.needs_unit());
    }
}
