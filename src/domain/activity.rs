//! The vocabulary of the roster, activities and surveys (DESIGN.md F6, F7), taken from the
//! source article.

labelled_enum!(
    /// 人员类别: the groups a person of the roster belongs to (several per person), and the
    /// target groups of an activity.
    RosterGroup {
        PartyMember = "party_member" / "党员",
        Probationary = "probationary" / "预备党员",
        Activist = "activist" / "入党积极分子",
        Candidate = "candidate" / "发展对象",
        OrgCadre = "org_cadre" / "组工干部",
        PartyWorker = "party_worker" / "党务工作者",
        Leader = "leader" / "领导人员",
        MiddleManager = "middle_manager" / "中层管理人员",
        UnitedFront = "united_front" / "统战对象",
    }
);

labelled_enum!(
    /// 活动类型.
    ActivityKind {
        Training = "training" / "培训",
        Exam = "exam" / "考试",
        Research = "research" / "调研",
        Exchange = "exchange" / "交流",
        Symposium = "symposium" / "座谈",
        AwarenessSymposium = "awareness" / "强意识座谈会",
        UnitedFrontSymposium = "united_front" / "统战对象座谈会",
        PartyLecture = "party_lecture" / "专题党课",
        Other = "other" / "其他",
    }
);

impl ActivityKind {
    /// Counted as training (培训 and 考试: the article's "2 trainings and 1 exam").
    pub fn is_training(self) -> bool {
        matches!(self, ActivityKind::Training | ActivityKind::Exam)
    }

    /// The article's "research / exchange / symposium activities".
    pub fn is_research_or_symposium(self) -> bool {
        matches!(
            self,
            ActivityKind::Research
                | ActivityKind::Exchange
                | ActivityKind::Symposium
                | ActivityKind::UnitedFrontSymposium
        )
    }
}

labelled_enum!(
    /// How a staff survey (员工思想状况调查) was carried out.
    SurveyMethod {
        Online = "online" / "线上",
        Paper = "paper" / "纸质",
        Symposium = "symposium" / "座谈",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_back() {
        assert_eq!(
            RosterGroup::parse_label("组工干部"),
            Some(RosterGroup::OrgCadre)
        );
        assert_eq!(
            ActivityKind::parse_label("强意识座谈会"),
            Some(ActivityKind::AwarenessSymposium)
        );
        assert_eq!(SurveyMethod::parse_label("纸质"), Some(SurveyMethod::Paper));
        assert_eq!(RosterGroup::ALL.len(), 9);
        assert_eq!(ActivityKind::ALL.len(), 9);
    }
}
