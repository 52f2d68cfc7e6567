//! 正向激励 / 反向约束 (DESIGN.md F5): commendations, promotions and upward recommendations of
//! outstanding organisations; weak organisations and cadres referred to the committee.

labelled_enum!(
    IncentiveKind {
        Commendation = "commendation" / "评优评先",
        Promotion = "promotion" / "平台宣传",
        Recommendation = "recommendation" / "向上推荐",
    }
);

labelled_enum!(
    /// Who is referred (反向约束).
    ReferralTarget {
        Organisation = "organisation" / "党组织",
        Cadre = "cadre" / "干部",
    }
);

labelled_enum!(
    /// A referral's state: referred → decided (the committee's decision) → closed (outcome
    /// recorded).
    ReferralState {
        Referred = "referred" / "已移交",
        Decided = "decided" / "已决定",
        Closed = "closed" / "已办结",
    }
);

impl ReferralState {
    pub fn next(self) -> Option<ReferralState> {
        match self {
            ReferralState::Referred => Some(ReferralState::Decided),
            ReferralState::Decided => Some(ReferralState::Closed),
            ReferralState::Closed => None,
        }
    }
}
