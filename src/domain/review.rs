//! The three-level review (支部初审、总支复查、党委复核) shared by monthly reports and 第一议题
//! records: the branch submits (its own first check), the general branch above re-checks,
//! the committee (党群工作部) re-reviews; any level can return the record to draft with a
//! comment. Branches directly under the committee skip the general-branch step.
//! This module only decides which steps are legal; callers check who the actor is (unit
//! scope) and keep the trail.

labelled_enum!(
    ReviewState {
        Draft = "draft" / "草稿",
        AwaitingGeneral = "awaiting_general" / "待总支复查",
        AwaitingCommittee = "awaiting_committee" / "待党委复核",
        Closed = "closed" / "已办结",
    }
);

labelled_enum!(
    ReviewAction {
        Submit = "submit" / "提交",
        Approve = "approve" / "审核通过",
        Return = "return" / "退回",
    }
);

/// In which capacity someone acts on a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// Someone who may write the record's unit (the branch itself).
    Branch,
    /// The reviewer of the general branch above the record's unit.
    GeneralBranch,
    /// The Party-mass work department (office).
    Committee,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepError {
    /// The action does not apply in this state (e.g. approving a draft).
    NotNow,
    /// The action applies, but not by this actor at this stage.
    NotYours,
    /// Nobody reviews a record they submitted themselves.
    OwnSubmission,
}

impl StepError {
    pub fn message(self) -> &'static str {
        match self {
            StepError::NotNow => "当前状态下不能进行此操作，请刷新页面查看最新状态。",
            StepError::NotYours => "此环节不由您审核。",
            StepError::OwnSubmission => "不能审核本人或本单位提交的材料。",
        }
    }
}

impl ReviewState {
    /// Only drafts can be edited.
    pub fn editable(self) -> bool {
        self == ReviewState::Draft
    }

    /// Who acts at this stage, if anyone.
    pub fn stage_actor(self) -> Option<Actor> {
        match self {
            ReviewState::Draft => Some(Actor::Branch),
            ReviewState::AwaitingGeneral => Some(Actor::GeneralBranch),
            ReviewState::AwaitingCommittee => Some(Actor::Committee),
            ReviewState::Closed => None,
        }
    }
}

/// The state after `action` by `actor`, or why it is not allowed. `skip_general` is true for
/// units directly under the committee. `own_submission` is true when the actor is the
/// person who submitted the record.
pub fn step(
    state: ReviewState,
    action: ReviewAction,
    actor: Actor,
    skip_general: bool,
    own_submission: bool,
) -> Result<ReviewState, StepError> {
    use ReviewAction::*;
    use ReviewState::*;
    let expected = match (state, action) {
        (Draft, Submit) => Actor::Branch,
        (AwaitingGeneral, Approve | Return) => Actor::GeneralBranch,
        (AwaitingCommittee, Approve | Return) => Actor::Committee,
        _ => return Err(StepError::NotNow),
    };
    if actor != expected {
        return Err(StepError::NotYours);
    }
    if action != Submit && own_submission {
        return Err(StepError::OwnSubmission);
    }
    Ok(match (state, action) {
        (Draft, Submit) if skip_general => AwaitingCommittee,
        (Draft, Submit) => AwaitingGeneral,
        (AwaitingGeneral, Approve) => AwaitingCommittee,
        (AwaitingCommittee, Approve) => Closed,
        (_, Return) => Draft,
        _ => return Err(StepError::NotNow),
    })
}

#[cfg(test)]
mod tests {
    use super::ReviewAction::*;
    use super::ReviewState::*;
    use super::*;

    #[test]
    fn the_whole_way_with_a_general_branch() {
        let s = step(Draft, Submit, Actor::Branch, false, false).unwrap();
        assert_eq!(s, AwaitingGeneral);
        let s = step(s, Approve, Actor::GeneralBranch, false, false).unwrap();
        assert_eq!(s, AwaitingCommittee);
        let s = step(s, Approve, Actor::Committee, false, false).unwrap();
        assert_eq!(s, Closed);
    }

    #[test]
    fn branches_under_the_committee_skip_the_general_step() {
        let s = step(Draft, Submit, Actor::Branch, true, false).unwrap();
        assert_eq!(s, AwaitingCommittee);
        assert_eq!(step(s, Approve, Actor::Committee, true, false), Ok(Closed));
    }

    #[test]
    fn every_level_can_return_to_draft() {
        assert_eq!(
            step(AwaitingGeneral, Return, Actor::GeneralBranch, false, false),
            Ok(Draft)
        );
        assert_eq!(
            step(AwaitingCommittee, Return, Actor::Committee, false, false),
            Ok(Draft)
        );
        assert_eq!(
            step(AwaitingCommittee, Return, Actor::Committee, true, false),
            Ok(Draft)
        );
    }

    #[test]
    fn every_illegal_step_is_refused() {
        let states = ReviewState::ALL;
        let actions = ReviewAction::ALL;
        let actors = [Actor::Branch, Actor::GeneralBranch, Actor::Committee];
        let legal = [
            (Draft, Submit, Actor::Branch),
            (AwaitingGeneral, Approve, Actor::GeneralBranch),
            (AwaitingGeneral, Return, Actor::GeneralBranch),
            (AwaitingCommittee, Approve, Actor::Committee),
            (AwaitingCommittee, Return, Actor::Committee),
        ];
        for &s in states {
            for &a in actions {
                for actor in actors {
                    for skip in [false, true] {
                        for own in [false, true] {
                            let r = step(s, a, actor, skip, own);
                            // Own material is never reviewed; submitting one's own is normal.
                            let ok = legal.contains(&(s, a, actor)) && !(own && a != Submit);
                            assert_eq!(
                                r.is_ok(),
                                ok,
                                "{s:?} {a:?} {actor:?} skip={skip} own={own}"
                            );
                            if legal.contains(&(s, a, actor)) && own && a != Submit {
                                assert_eq!(r, Err(StepError::OwnSubmission));
                            }
                            // Skipping only changes where a submission goes.
                            if let Ok(to) = r {
                                let expect = match (s, a) {
                                    (Draft, Submit) if skip => AwaitingCommittee,
                                    (Draft, Submit) => AwaitingGeneral,
                                    (AwaitingGeneral, Approve) => AwaitingCommittee,
                                    (AwaitingCommittee, Approve) => Closed,
                                    _ => Draft,
                                };
                                assert_eq!(to, expect, "{s:?} {a:?} skip={skip}");
                            }
                        }
                    }
                }
            }
        }
        // Closed is final; drafts are not approved; the branch never approves.
        assert_eq!(
            step(Closed, Return, Actor::Committee, false, false),
            Err(StepError::NotNow)
        );
        assert_eq!(
            step(Draft, Approve, Actor::Committee, false, false),
            Err(StepError::NotNow)
        );
        assert_eq!(
            step(AwaitingGeneral, Approve, Actor::Branch, false, false),
            Err(StepError::NotYours)
        );
        assert_eq!(
            step(AwaitingGeneral, Approve, Actor::Committee, false, false),
            Err(StepError::NotYours)
        );
        assert_eq!(
            step(
                AwaitingCommittee,
                Approve,
                Actor::GeneralBranch,
                false,
                false
            ),
            Err(StepError::NotYours)
        );
        assert_eq!(
            step(Draft, Submit, Actor::Branch, false, false).map(|s| s.editable()),
            Ok(false)
        );
    }

    #[test]
    fn nobody_reviews_their_own_submission() {
        assert_eq!(
            step(AwaitingCommittee, Approve, Actor::Committee, true, true),
            Err(StepError::OwnSubmission)
        );
        assert_eq!(
            step(AwaitingGeneral, Return, Actor::GeneralBranch, false, true),
            Err(StepError::OwnSubmission)
        );
        // Submitting one's own draft is the normal case.
        assert!(step(Draft, Submit, Actor::Branch, false, true).is_ok());
    }
}
