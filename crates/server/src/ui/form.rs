//! Reading URL-encoded form fields, as every page's form handler does.

/// A form's fields in order (a name may repeat: checkboxes, multi-selects).
pub type Pairs = Vec<(String, String)>;

/// The first value of a field, empty when absent.
pub fn field<'a>(pairs: &'a Pairs, name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The first value of a field, trimmed; `None` when absent or blank.
pub fn opt(pairs: &Pairs, name: &str) -> Option<String> {
    Some(field(pairs, name).trim().to_string()).filter(|s| !s.is_empty())
}
