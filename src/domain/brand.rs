//! The vocabulary of Party brands (党建品牌, DESIGN.md F12): 一支部一主题一特色一品牌.

labelled_enum!(
    /// The committee's main brand or a branch's sub-brand.
    BrandKind {
        Main = "main" / "主品牌",
        Sub = "sub" / "子品牌",
    }
);

labelled_enum!(
    /// A brand's stage. Each step forward records its date; 已获评 is the office's decision.
    BrandStatus {
        Cultivating = "cultivating" / "培育中",
        Created = "created" / "已创建",
        Published = "published" / "已发布",
        Awarded = "awarded" / "已获评",
    }
);

impl BrandStatus {
    /// The one stage that may follow this one.
    pub fn next(self) -> Option<BrandStatus> {
        match self {
            BrandStatus::Cultivating => Some(BrandStatus::Created),
            BrandStatus::Created => Some(BrandStatus::Published),
            BrandStatus::Published => Some(BrandStatus::Awarded),
            BrandStatus::Awarded => None,
        }
    }

    /// Only the office moves a brand to this stage.
    pub fn office_only(self) -> bool {
        self == BrandStatus::Awarded
    }
}

labelled_enum!(
    /// A brand's event.
    BrandEventKind {
        Launch = "launch" / "品牌启动",
        Release = "release" / "发布会",
        Exchange = "exchange" / "交流展示",
        Other = "other" / "其他",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_move_one_way() {
        assert_eq!(BrandStatus::Cultivating.next(), Some(BrandStatus::Created));
        assert_eq!(BrandStatus::Awarded.next(), None);
        assert!(BrandStatus::Awarded.office_only());
        assert!(!BrandStatus::Published.office_only());
        assert_eq!(
            BrandStatus::parse_label("已发布"),
            Some(BrandStatus::Published)
        );
    }
}
