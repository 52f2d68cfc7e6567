//! The vocabulary of the campaign registers, taken from the source article.

use crate::domain::light::{Stage, Work};

labelled_enum!(
    /// The five words 严、真、细、实、快.
    Style {
        Yan = "yan" / "严",
        Zhen = "zhen" / "真",
        Xi = "xi" / "细",
        Shi = "shi" / "实",
        Kuai = "kuai" / "快",
    }
);

/// The 15 work goals of the implementation plan, three per style.
pub const GOALS: [(Style, [&str; 3]); 5] = [
    (Style::Yan, ["标准严格", "程序严谨", "纪律严明"]),
    (Style::Zhen, ["认真负责", "求真务实", "较真碰硬"]),
    (Style::Xi, ["谋划细究", "举措细致", "落实细心"]),
    (Style::Shi, ["能力扎实", "态度踏实", "作风务实"]),
    (Style::Kuai, ["部署快当", "效率快速", "流程快捷"]),
];

labelled_enum!(
    /// What a practice measure serves.
    MeasureCategory {
        Production = "production" / "生产经营指标",
        Breakthrough = "breakthrough" / "基层党建突破攻坚项目",
        Brand = "brand" / "党建品牌创建",
        Other = "other" / "其他",
    }
);

labelled_enum!(
    /// The carrier that carries a measure.
    Carrier {
        Vanguard = "vanguard" / "党员先锋队",
        Assault = "assault" / "党员突击队",
        NoCarrier = "none" / "无",
    }
);

/// What separates goal names in a list cell (measure import and export): a goal's own name
/// must not contain any of them.
pub const GOAL_SEPARATORS: [char; 9] = ['、', ',', '，', ';', '；', '/', '\n', ' ', '\u{3000}'];

labelled_enum!(
    /// 四个带头: who takes the lead.
    LeadTag {
        Leaders = "leaders" / "领导人员带头作表率",
        Middle = "middle" / "中层管理人员带头促执行",
        Headquarters = "hq" / "公司总部带头强落实",
        Members = "members" / "党员干部带头作榜样",
        NoTag = "none" / "无",
    }
);

labelled_enum!(
    MeasureStatus {
        NotStarted = "not_started" / "未开始",
        InProgress = "in_progress" / "推进中",
        Completed = "completed" / "已完成",
        Closed = "closed" / "已关闭",
    }
);

impl MeasureStatus {
    /// Still to be worked on: shows a deadline light, goes into monthly reports.
    pub fn is_open(self) -> bool {
        matches!(self, MeasureStatus::NotStarted | MeasureStatus::InProgress)
    }
}

impl Work for MeasureStatus {
    fn stage(self) -> Stage {
        if self.is_open() {
            Stage::Open
        } else {
            Stage::Finished
        }
    }
    fn word(self) -> &'static str {
        self.label()
    }
}

impl Work for RectStatus {
    fn stage(self) -> Stage {
        match self {
            RectStatus::AwaitingAcceptance => Stage::Awaiting,
            RectStatus::Closed => Stage::Finished,
            _ => Stage::Open,
        }
    }
    fn word(self) -> &'static str {
        self.label()
    }
}

labelled_enum!(
    /// The three areas problems were found in.
    RectArea {
        Headquarters = "hq" / "总部部室",
        Frontline = "frontline" / "业务一线",
        Leaders = "leaders" / "领导干部",
    }
);

labelled_enum!(
    RectStatus {
        NotStarted = "not_started" / "未开始",
        InProgress = "in_progress" / "整改中",
        Partial = "partial" / "部分整改",
        AwaitingAcceptance = "awaiting" / "已整改待验收",
        Closed = "closed" / "已销号",
    }
);

impl RectStatus {
    /// Still the branch's work: shows a deadline light.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RectStatus::NotStarted | RectStatus::InProgress | RectStatus::Partial
        )
    }

    /// States a branch may set itself; closing needs acceptance by a reviewer or the office.
    pub const BRANCH_SETTABLE: &'static [RectStatus] = &[
        RectStatus::NotStarted,
        RectStatus::InProgress,
        RectStatus::Partial,
        RectStatus::AwaitingAcceptance,
    ];
}

labelled_enum!(
    ExtensionStatus {
        Pending = "pending" / "待审批",
        Approved = "approved" / "已批准",
        Refused = "refused" / "未批准",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_goals_under_five_styles() {
        let names: Vec<&str> = GOALS.iter().flat_map(|(_, g)| g.iter().copied()).collect();
        assert_eq!(names.len(), 15);
        assert_eq!(names[0], "标准严格");
        assert_eq!(names[14], "流程快捷");
    }

    #[test]
    fn labels_parse_back() {
        assert_eq!(
            MeasureCategory::parse_label("党建品牌创建"),
            Some(MeasureCategory::Brand)
        );
        assert_eq!(
            MeasureCategory::parse_label("brand"),
            Some(MeasureCategory::Brand)
        );
        assert_eq!(Carrier::parse_label(" 党员突击队 "), Some(Carrier::Assault));
        assert_eq!(RectStatus::parse_label("已销号"), Some(RectStatus::Closed));
        assert_eq!(RectStatus::parse_label("完成"), None);
    }

    #[test]
    fn open_states() {
        assert!(MeasureStatus::InProgress.is_open());
        assert!(!MeasureStatus::Completed.is_open());
        assert!(RectStatus::Partial.is_open());
        assert!(!RectStatus::AwaitingAcceptance.is_open());
        assert!(!RectStatus::BRANCH_SETTABLE.contains(&RectStatus::Closed));
    }
}
