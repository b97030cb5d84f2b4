//! Incident roles: `commander`, `communications`, `scribe`, `ops`, and custom ones.

use crate::validation::{ValidationError, slug};

/// The roles every incident offers; any other slug is a custom role.
pub const BUILT_IN_ROLES: [&str; 4] = ["commander", "communications", "scribe", "ops"];

/// Parses a role name: a built-in role or a custom slug.
pub fn parse_role(errors: &mut ValidationError, field: &str, role: &str) -> String {
    slug(errors, field, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_roles_are_slugs() {
        let mut e = ValidationError::default();
        assert_eq!(
            parse_role(&mut e, "role", "Customer-Liaison"),
            "customer-liaison"
        );
        parse_role(&mut e, "role", "two words");
        assert_eq!(e.fields.len(), 1);
    }
}
