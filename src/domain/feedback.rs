//! Supervision channels 信、网、电、微 (DESIGN.md F6): where an item came from, what it is
//! about, and the steps it goes through (received → assigned to a unit → replied → closed).

labelled_enum!(
    /// 信、网、电、微.
    FeedbackChannel {
        Letter = "letter" / "信",
        Web = "web" / "网",
        Phone = "phone" / "电",
        Wechat = "wechat" / "微",
    }
);

impl FeedbackChannel {
    /// The channel in full words ("来信", "网上留言").
    pub fn long_label(self) -> &'static str {
        match self {
            FeedbackChannel::Letter => "来信",
            FeedbackChannel::Web => "网上留言",
            FeedbackChannel::Phone => "来电",
            FeedbackChannel::Wechat => "微信",
        }
    }
}

labelled_enum!(
    FeedbackCategory {
        Suggestion = "suggestion" / "意见建议",
        WorkStyle = "work_style" / "作风问题反映",
        Complaint = "complaint" / "投诉",
        Praise = "praise" / "表扬",
        Other = "other" / "其他",
    }
);

labelled_enum!(
    /// An item's state; every change is a guarded transition from the state the user saw.
    FeedbackState {
        Received = "received" / "待分办",
        Assigned = "assigned" / "办理中",
        Replied = "replied" / "已答复",
        Closed = "closed" / "已办结",
    }
);

impl FeedbackState {
    /// May an item move from `self` to `to`? The office assigns a received item (or closes it
    /// at once, e.g. a duplicate), the unit replies to an assigned one (again after a return),
    /// the office closes a replied one or sends it back to the unit.
    pub fn may_become(self, to: FeedbackState) -> bool {
        use FeedbackState::*;
        matches!(
            (self, to),
            (Received, Assigned)
                | (Received, Closed)
                | (Assigned, Replied)
                | (Replied, Closed)
                | (Replied, Assigned)
        )
    }
}

/// Days a unit has to reply after an item is assigned, unless the office sets another day.
pub const REPLY_DAYS: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_move_forward_only() {
        use FeedbackState::*;
        assert!(Received.may_become(Assigned));
        assert!(Assigned.may_become(Replied));
        assert!(Replied.may_become(Closed));
        assert!(!Closed.may_become(Assigned));
        assert!(!Received.may_become(Replied));
    }
}
