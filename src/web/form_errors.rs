//! What was wrong with a submitted form, field by field: every form page keeps one, shows the
//! summary when it is not empty, and each message beside its field.

/// (field, message) pairs in the order found; a field may have several.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    pub fn push(&mut self, (field, message): (&'static str, String)) {
        self.0.push((field, message));
    }

    /// The first message about `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, (&'static str, String)> {
        self.0.iter()
    }
}

impl From<Vec<(&'static str, String)>> for FormErrors {
    fn from(v: Vec<(&'static str, String)>) -> Self {
        FormErrors(v)
    }
}

impl<'a> IntoIterator for &'a FormErrors {
    type Item = &'a (&'static str, String);
    type IntoIter = std::slice::Iter<'a, (&'static str, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_of_a_field_is_shown() {
        let mut e = FormErrors::default();
        assert!(e.is_empty() && e.get("name").is_none());
        e.push(("name", "请填写名称".into()));
        e.push(("name", "名称过长".into()));
        e.push(("kind", "请选择类别".into()));
        assert_eq!(e.get("name"), Some("请填写名称"));
        assert_eq!(e.get("kind"), Some("请选择类别"));
        assert_eq!((e.len(), e.get("other")), (3, None));
    }
}
