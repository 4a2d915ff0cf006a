//! Property tests over what the account forms parse: usernames, roles, new passwords.

use proptest::prelude::*;

use super::model::{NewPassword, UserRole, Username};

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn a_username_is_normalised_and_within_the_rule(s in "\\PC{0,40}|[A-Za-z0-9._-]{0,40}") {
        match Username::parse(&s) {
            Ok(u) => {
                let u = u.as_str();
                prop_assert!((2..=32).contains(&u.len()));
                prop_assert!(u.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c)));
                prop_assert!(u.starts_with(|c: char| c.is_ascii_alphanumeric()));
                // Parsing is idempotent: a stored name reads back as itself.
                prop_assert_eq!(Username::parse(u).map(|p| p.as_str().to_string()), Ok(u.to_string()));
            }
            Err(m) => prop_assert!(!m.is_empty()),
        }
    }

    #[test]
    fn a_role_is_one_of_five_or_none(s in "\\PC{0,12}|reporter|approver|supervisor|leader|admin") {
        if let Some(r) = UserRole::parse(&s) {
            prop_assert_eq!(r.slug(), s.as_str());
        }
    }

    #[test]
    fn a_new_password_keeps_the_rule(s in "\\PC{0,140}", user in "[a-z]{2,10}") {
        match NewPassword::parse(&s, &user) {
            Ok(_) => {
                let n = s.chars().count();
                prop_assert!((10..=128).contains(&n));
                prop_assert!(!s.to_ascii_lowercase().contains(&user));
            }
            Err(m) => prop_assert!(!m.is_empty()),
        }
    }
}
