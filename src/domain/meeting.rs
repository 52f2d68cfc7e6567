//! Meetings whose first agenda item (第一议题) a branch records.

labelled_enum!(
    MeetingKind {
        Committee = "committee" / "支部委员会",
        General = "general" / "支部党员大会",
        Group = "group" / "党小组会",
        Other = "other" / "其他",
    }
);
