//! The three-level review (支部初审、总支复查、党委复核) shared by monthly reports and 第一议题
//! records: the branch submits (its own first check), the general branch above re-checks,
//! the committee (党群工作部) re-reviews; any level can return the record to draft with a
//! comment. Branches directly under the committee skip the general-branch step.
//! This module only decides which steps are legal (no I/O); `auth::policy::review_step` says
//! in which capacity a user acts, and `services::review` runs the step in one transaction.

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
pub enum Capacity {
    /// Someone who may write the record's unit (the branch itself).
    Branch,
    /// The reviewer of the general branch above the record's unit.
    GeneralBranch,
    /// The Party-mass work department (office).
    Committee,
}

/// Why a review step is refused: the one error type of every reviewed record. Status codes
/// are given in one place (`From<Refusal> for AppError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The user holds no capacity at all over the record's unit (another unit, a viewer).
    NoCapacity,
    /// The action does not apply in this state (e.g. approving a draft, or a second
    /// approval that lost the race): the page the user saw is out of date.
    NotNow,
    /// The action applies, but the current stage (the state given) belongs to someone else.
    NotYours(ReviewState),
    /// Nobody reviews a record they submitted themselves or of their own unit.
    OwnMaterial,
    /// The record changed since the user looked at it (the version they saw is gone).
    Changed,
}

impl Refusal {
    pub fn message(self) -> String {
        match self {
            Refusal::NoCapacity => "您没有权限审核或提交此单位的材料。".into(),
            Refusal::NotNow => "当前状态下不能进行此操作，请刷新页面查看最新状态。".into(),
            Refusal::NotYours(s) => format!("此环节不由您审核（当前环节：{}）。", s.label()),
            Refusal::OwnMaterial => "不能审核本人或本单位提交的材料。".into(),
            Refusal::Changed => {
                "操作未执行：该材料在您查看之后已有变化（可能已退回修改并重新提交），请刷新页面核对最新内容后再操作。".into()
            }
        }
    }
}

/// The most a review comment may hold.
pub const COMMENT_MAX: usize = 500;

/// The comment of a review action, trimmed, or what is wrong with it: too long, or empty
/// on a return (a return always says why).
pub fn comment(action: ReviewAction, raw: &str) -> Result<String, String> {
    let c = raw.trim();
    if c.chars().count() > COMMENT_MAX {
        return Err(format!("审核意见不能超过 {COMMENT_MAX} 个字。"));
    }
    if action == ReviewAction::Return && c.is_empty() {
        return Err("请填写退回意见。".into());
    }
    Ok(c.to_string())
}

impl ReviewState {
    /// Only drafts can be edited.
    pub fn editable(self) -> bool {
        self == ReviewState::Draft
    }

    /// Who acts at this stage, if anyone.
    pub fn stage(self) -> Option<Capacity> {
        match self {
            ReviewState::Draft => Some(Capacity::Branch),
            ReviewState::AwaitingGeneral => Some(Capacity::GeneralBranch),
            ReviewState::AwaitingCommittee => Some(Capacity::Committee),
            ReviewState::Closed => None,
        }
    }
}

/// The state after `action` by `actor`, or why it is not allowed. `skip_general` is true for
/// units directly under the committee. `own_submission` is true when the record is the
/// actor's own material (see `policy::own_material`).
pub fn step(
    state: ReviewState,
    action: ReviewAction,
    actor: Capacity,
    skip_general: bool,
    own_submission: bool,
) -> Result<ReviewState, Refusal> {
    use ReviewAction::*;
    use ReviewState::*;
    let expected = match (state, action) {
        (Draft, Submit) => Capacity::Branch,
        (AwaitingGeneral, Approve | Return) => Capacity::GeneralBranch,
        (AwaitingCommittee, Approve | Return) => Capacity::Committee,
        _ => return Err(Refusal::NotNow),
    };
    if actor != expected {
        return Err(Refusal::NotYours(state));
    }
    if action != Submit && own_submission {
        return Err(Refusal::OwnMaterial);
    }
    Ok(match (state, action) {
        (Draft, Submit) if skip_general => AwaitingCommittee,
        (Draft, Submit) => AwaitingGeneral,
        (AwaitingGeneral, Approve) => AwaitingCommittee,
        (AwaitingCommittee, Approve) => Closed,
        (_, Return) => Draft,
        _ => return Err(Refusal::NotNow),
    })
}

#[cfg(test)]
mod tests {
    use super::ReviewAction::*;
    use super::ReviewState::*;
    use super::*;

    #[test]
    fn the_whole_way_with_a_general_branch() {
        let s = step(Draft, Submit, Capacity::Branch, false, false).unwrap();
        assert_eq!(s, AwaitingGeneral);
        let s = step(s, Approve, Capacity::GeneralBranch, false, false).unwrap();
        assert_eq!(s, AwaitingCommittee);
        let s = step(s, Approve, Capacity::Committee, false, false).unwrap();
        assert_eq!(s, Closed);
    }

    #[test]
    fn branches_under_the_committee_skip_the_general_step() {
        let s = step(Draft, Submit, Capacity::Branch, true, false).unwrap();
        assert_eq!(s, AwaitingCommittee);
        assert_eq!(
            step(s, Approve, Capacity::Committee, true, false),
            Ok(Closed)
        );
    }

    #[test]
    fn every_level_can_return_to_draft() {
        assert_eq!(
            step(
                AwaitingGeneral,
                Return,
                Capacity::GeneralBranch,
                false,
                false
            ),
            Ok(Draft)
        );
        assert_eq!(
            step(AwaitingCommittee, Return, Capacity::Committee, false, false),
            Ok(Draft)
        );
        assert_eq!(
            step(AwaitingCommittee, Return, Capacity::Committee, true, false),
            Ok(Draft)
        );
    }

    #[test]
    fn every_illegal_step_is_refused() {
        let states = ReviewState::ALL;
        let actions = ReviewAction::ALL;
        let actors = [
            Capacity::Branch,
            Capacity::GeneralBranch,
            Capacity::Committee,
        ];
        let legal = [
            (Draft, Submit, Capacity::Branch),
            (AwaitingGeneral, Approve, Capacity::GeneralBranch),
            (AwaitingGeneral, Return, Capacity::GeneralBranch),
            (AwaitingCommittee, Approve, Capacity::Committee),
            (AwaitingCommittee, Return, Capacity::Committee),
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
                                assert_eq!(r, Err(Refusal::OwnMaterial));
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
            step(Closed, Return, Capacity::Committee, false, false),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            step(Draft, Approve, Capacity::Committee, false, false),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            step(AwaitingGeneral, Approve, Capacity::Branch, false, false),
            Err(Refusal::NotYours(AwaitingGeneral))
        );
        assert_eq!(
            step(AwaitingGeneral, Approve, Capacity::Committee, false, false),
            Err(Refusal::NotYours(AwaitingGeneral))
        );
        assert_eq!(
            step(
                AwaitingCommittee,
                Approve,
                Capacity::GeneralBranch,
                false,
                false
            ),
            Err(Refusal::NotYours(AwaitingCommittee))
        );
        assert_eq!(
            step(Draft, Submit, Capacity::Branch, false, false).map(|s| s.editable()),
            Ok(false)
        );
    }

    #[test]
    fn comments_are_bounded_and_a_return_says_why() {
        assert_eq!(comment(Approve, "  "), Ok(String::new()));
        assert_eq!(comment(Approve, " 好 "), Ok("好".into()));
        assert!(comment(Return, " ").is_err());
        assert_eq!(
            comment(Return, &"字".repeat(500)).map(|c| c.chars().count()),
            Ok(500)
        );
        assert!(comment(Approve, &"字".repeat(501)).is_err());
        assert!(comment(Return, &"字".repeat(501)).is_err());
    }

    #[test]
    fn nobody_reviews_their_own_submission() {
        assert_eq!(
            step(AwaitingCommittee, Approve, Capacity::Committee, true, true),
            Err(Refusal::OwnMaterial)
        );
        assert_eq!(
            step(
                AwaitingGeneral,
                Return,
                Capacity::GeneralBranch,
                false,
                true
            ),
            Err(Refusal::OwnMaterial)
        );
        // Submitting one's own draft is the normal case.
        assert!(step(Draft, Submit, Capacity::Branch, false, true).is_ok());
    }
}
