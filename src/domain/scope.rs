//! Which units a user's lists cover. `auth::policy` decides a user's scope; `db::scope`
//! turns it into the one SQL condition every list query narrows with.

/// The units a user's lists cover.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every unit.
    All,
    /// A unit and everything under it (by path prefix).
    Subtree(String),
    /// Exactly one unit.
    Unit(i32),
}

impl Scope {
    /// True when a unit with this id and path is inside the scope.
    pub fn contains(&self, unit_id: i32, unit_path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtree(prefix) => unit_path.starts_with(prefix.as_str()),
            Scope::Unit(id) => *id == unit_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_by_path_prefix_or_id() {
        assert!(Scope::All.contains(6, "/1/5/6/"));
        let branch = Scope::Subtree("/1/2/".into());
        assert!(branch.contains(2, "/1/2/"));
        assert!(branch.contains(4, "/1/2/4/"));
        assert!(!branch.contains(6, "/1/5/6/"));
        // "/1/2/" must not cover "/1/23/".
        assert!(!branch.contains(23, "/1/23/"));
        let one = Scope::Unit(3);
        assert!(one.contains(3, "/1/2/3/"));
        assert!(!one.contains(4, "/1/2/4/"));
    }
}
