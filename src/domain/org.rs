//! The organisation: roles of users and kinds of units, with their Chinese labels.

labelled_enum!(
    /// What a user may do (DESIGN.md section 3).
    Role {
        Secretary = "secretary" / "支部书记",
        Reviewer = "reviewer" / "党总支书记",
        Office = "office" / "党群工作部",
        Viewer = "viewer" / "领导（只读）",
    }
);

labelled_enum!(
    /// Level of a Party organisation in the tree: 党委 → 党总支 → 党支部.
    UnitKind {
        Committee = "committee" / "党委",
        GeneralBranch = "general_branch" / "党总支",
        Branch = "branch" / "党支部",
    }
);

labelled_enum!(
    /// Where a unit sits in the group: headquarters department or subsidiary unit.
    UnitCategory {
        Headquarters = "hq" / "总部部室",
        Subsidiary = "subsidiary" / "权属单位",
        Other = "other" / "其他",
    }
);

impl UnitKind {
    /// Kinds a child of a unit of this kind may have.
    pub fn allowed_children(self) -> &'static [UnitKind] {
        match self {
            UnitKind::Committee => &[UnitKind::GeneralBranch, UnitKind::Branch],
            UnitKind::GeneralBranch => &[UnitKind::Branch],
            UnitKind::Branch => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(*r));
        }
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::parse(k.code()), Some(*k));
        }
        assert_eq!(Role::parse("admin"), None);
        assert_eq!(Role::Secretary.label(), "支部书记");
    }

    #[test]
    fn tree_shape() {
        assert!(UnitKind::Committee
            .allowed_children()
            .contains(&UnitKind::GeneralBranch));
        assert!(UnitKind::Branch.allowed_children().is_empty());
        assert!(!UnitKind::GeneralBranch
            .allowed_children()
            .contains(&UnitKind::GeneralBranch));
    }
}
