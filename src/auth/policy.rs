//! The one place that decides "may this user do this to this unit" (DESIGN.md section 3),
//! including in which capacity a user takes a review step. Handlers ask through
//! `CurrentUser::require` / `CurrentUser::review_step`; list queries narrow with
//! `CurrentUser::scope`.

use crate::domain::review::{self, Capacity, Refusal, ReviewAction, ReviewState};
pub use crate::domain::scope::Scope;
use crate::domain::Role;

/// What a user wants to do to a unit's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See the unit's records.
    Read,
    /// Change the unit's own records (measures, items, reports, …).
    Write,
    /// Re-check (复查) or re-review (复核) the unit's submissions.
    Review,
    /// Set up the organisation, users, campaign (office only).
    Manage,
}

/// The facts the rules need about the acting user.
pub struct Principal<'a> {
    pub role: Role,
    pub unit_id: i32,
    pub unit_path: &'a str,
}

/// The rules. `target_path` is the materialised path of the unit (`/1/4/17/`).
pub fn allows(actor: &Principal<'_>, action: Action, target_id: i32, target_path: &str) -> bool {
    let own = target_id == actor.unit_id;
    let below = target_path.starts_with(actor.unit_path) && !own;
    match (actor.role, action) {
        (Role::Office, _) => true,
        (Role::Viewer, Action::Read) => true,
        (Role::Viewer, _) => false,
        (Role::Reviewer, Action::Read) => own || below,
        (Role::Reviewer, Action::Write) => own,
        (Role::Reviewer, Action::Review) => below,
        (Role::Reviewer, Action::Manage) => false,
        (Role::Secretary, Action::Read | Action::Write) => own,
        (Role::Secretary, Action::Review | Action::Manage) => false,
    }
}

/// Is a submitted record the actor's own material, which they may never review? It is when
/// they submitted it, or when it belongs to the unit they are placed on (an office user
/// placed on a branch reviews nothing of that branch). One rule for monthly reports and
/// 第一议题 records.
pub fn own_material(
    actor_id: i32,
    actor_unit_id: i32,
    submitted_by: Option<i32>,
    record_unit_id: i32,
) -> bool {
    submitted_by == Some(actor_id) || record_unit_id == actor_unit_id
}

/// What the review rules need to know about a record.
#[derive(Clone, Copy, Debug)]
pub struct ReviewedRecord<'a> {
    pub unit_id: i32,
    pub unit_path: &'a str,
    /// The unit sits directly under the committee (no general-branch step).
    pub skip_general: bool,
    pub state: ReviewState,
    pub submitted_by: Option<i32>,
}

/// The capacities a user holds over records of a unit, in stage order.
pub fn capacities(who: &Principal<'_>, unit_id: i32, unit_path: &str) -> Vec<Capacity> {
    let mut v = Vec::new();
    if allows(who, Action::Write, unit_id, unit_path) {
        v.push(Capacity::Branch);
    }
    if permits(who.role, Capability::Recheck) && allows(who, Action::Review, unit_id, unit_path) {
        v.push(Capacity::GeneralBranch);
    }
    if permits(who.role, Capability::Rereview) {
        v.push(Capacity::Committee);
    }
    v
}

/// May user `user_id` (`who`) take `action` on `rec`? The state after it, or the one refusal:
/// no capacity for this action over the unit (a secretary approving, another unit's user,
/// the viewer); an action the state does not allow; a stage that belongs to another level
/// now (the office while the general branch re-checks); the user's own material.
pub fn review_step(
    who: &Principal<'_>,
    user_id: i32,
    rec: &ReviewedRecord<'_>,
    action: ReviewAction,
) -> Result<ReviewState, Refusal> {
    // Submitting takes the branch's capacity, deciding a reviewer's: a user without the one
    // the action needs over this unit may never take it here.
    let needed: &[Capacity] = match action {
        ReviewAction::Submit => &[Capacity::Branch],
        ReviewAction::Approve | ReviewAction::Return => {
            &[Capacity::GeneralBranch, Capacity::Committee]
        }
    };
    let held: Vec<Capacity> = capacities(who, rec.unit_id, rec.unit_path)
        .into_iter()
        .filter(|c| needed.contains(c))
        .collect();
    let Some(&first) = held.first() else {
        return Err(Refusal::NoCapacity);
    };
    let capacity = rec
        .state
        .stage()
        .filter(|s| held.contains(s))
        .unwrap_or(first);
    let own = own_material(user_id, who.unit_id, rec.submitted_by, rec.unit_id);
    review::step(rec.state, action, capacity, rec.skip_general, own)
}

/// The review queue a user works: the stage waiting for them and the units it covers.
pub fn review_queue(who: &Principal<'_>) -> Option<(ReviewState, Scope)> {
    if permits(who.role, Capability::Rereview) {
        Some((ReviewState::AwaitingCommittee, Scope::All))
    } else if permits(who.role, Capability::Recheck) {
        Some((
            ReviewState::AwaitingGeneral,
            Scope::Subtree(who.unit_path.to_string()),
        ))
    } else {
        None
    }
}

/// The units a user's lists cover when reading.
pub fn read_scope(actor: &Principal<'_>) -> Scope {
    match actor.role {
        Role::Office | Role::Viewer => Scope::All,
        Role::Reviewer => Scope::Subtree(actor.unit_path.to_string()),
        Role::Secretary => Scope::Unit(actor.unit_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tree: 1 committee /1/; 2 general branch /1/2/; 3 branch /1/2/3/; 4 branch /1/2/4/;
    // 5 general branch /1/5/; 6 branch /1/5/6/; 7 branch directly under the committee /1/7/.
    const UNITS: [(i32, &str); 7] = [
        (1, "/1/"),
        (2, "/1/2/"),
        (3, "/1/2/3/"),
        (4, "/1/2/4/"),
        (5, "/1/5/"),
        (6, "/1/5/6/"),
        (7, "/1/7/"),
    ];

    fn allowed(role: Role, unit: i32, path: &str, action: Action) -> Vec<i32> {
        let actor = Principal {
            role,
            unit_id: unit,
            unit_path: path,
        };
        UNITS
            .iter()
            .filter(|(id, p)| allows(&actor, action, *id, p))
            .map(|(id, _)| *id)
            .collect()
    }

    #[test]
    fn secretary_only_own_branch() {
        for a in [Action::Read, Action::Write] {
            assert_eq!(allowed(Role::Secretary, 3, "/1/2/3/", a), vec![3]);
        }
        assert!(allowed(Role::Secretary, 3, "/1/2/3/", Action::Review).is_empty());
        assert!(allowed(Role::Secretary, 3, "/1/2/3/", Action::Manage).is_empty());
    }

    #[test]
    fn reviewer_reads_and_reviews_below() {
        assert_eq!(
            allowed(Role::Reviewer, 2, "/1/2/", Action::Read),
            vec![2, 3, 4]
        );
        assert_eq!(allowed(Role::Reviewer, 2, "/1/2/", Action::Write), vec![2]);
        assert_eq!(
            allowed(Role::Reviewer, 2, "/1/2/", Action::Review),
            vec![3, 4]
        );
        assert!(allowed(Role::Reviewer, 2, "/1/2/", Action::Manage).is_empty());
    }

    #[test]
    fn prefix_is_not_fooled_by_similar_ids() {
        // Unit 2's path "/1/2/" must not cover a unit with path "/1/23/".
        let actor = Principal {
            role: Role::Reviewer,
            unit_id: 2,
            unit_path: "/1/2/",
        };
        assert!(!allows(&actor, Action::Read, 23, "/1/23/"));
    }

    #[test]
    fn office_everything_viewer_reads() {
        for a in [Action::Read, Action::Write, Action::Review, Action::Manage] {
            assert_eq!(allowed(Role::Office, 1, "/1/", a).len(), 7);
        }
        assert_eq!(allowed(Role::Viewer, 1, "/1/", Action::Read).len(), 7);
        for a in [Action::Write, Action::Review, Action::Manage] {
            assert!(allowed(Role::Viewer, 1, "/1/", a).is_empty());
        }
    }

    #[test]
    fn own_material_by_submitter_or_unit() {
        // Submitted by the actor.
        assert!(own_material(5, 1, Some(5), 3));
        // The actor's own unit, whoever submitted.
        assert!(own_material(5, 3, Some(9), 3));
        assert!(own_material(5, 3, None, 3));
        // Someone else's, of another unit.
        assert!(!own_material(5, 1, Some(9), 3));
        assert!(!own_material(5, 1, None, 3));
    }

    fn rec(unit: i32, state: ReviewState, by: Option<i32>) -> ReviewedRecord<'static> {
        let path = UNITS
            .iter()
            .find(|(id, _)| *id == unit)
            .map_or("", |(_, p)| p);
        ReviewedRecord {
            unit_id: unit,
            unit_path: path,
            skip_general: unit == 7,
            state,
            submitted_by: by,
        }
    }

    #[test]
    fn review_steps_by_role_and_stage() {
        use ReviewAction::*;
        use ReviewState::*;
        let sec3 = Principal {
            role: Role::Secretary,
            unit_id: 3,
            unit_path: "/1/2/3/",
        };
        let rev2 = Principal {
            role: Role::Reviewer,
            unit_id: 2,
            unit_path: "/1/2/",
        };
        let rev5 = Principal {
            role: Role::Reviewer,
            unit_id: 5,
            unit_path: "/1/5/",
        };
        let office = Principal {
            role: Role::Office,
            unit_id: 1,
            unit_path: "/1/",
        };
        let viewer = Principal {
            role: Role::Viewer,
            unit_id: 1,
            unit_path: "/1/",
        };
        // The branch submits; the general branch re-checks; the committee re-reviews.
        assert_eq!(
            review_step(&sec3, 30, &rec(3, Draft, None), Submit),
            Ok(AwaitingGeneral)
        );
        let submitted = rec(3, AwaitingGeneral, Some(30));
        assert_eq!(
            review_step(&rev2, 20, &submitted, Approve),
            Ok(AwaitingCommittee)
        );
        let at_committee = rec(3, AwaitingCommittee, Some(30));
        assert_eq!(review_step(&office, 10, &at_committee, Approve), Ok(Closed));
        // Branches under the committee go straight to it.
        assert_eq!(
            review_step(&office, 10, &rec(7, Draft, None), Submit),
            Ok(AwaitingCommittee)
        );
        // No capacity over the unit at all.
        assert_eq!(
            review_step(&rev5, 50, &submitted, Approve),
            Err(Refusal::NoCapacity)
        );
        assert_eq!(
            review_step(&viewer, 60, &submitted, Approve),
            Err(Refusal::NoCapacity)
        );
        let sec4 = Principal {
            role: Role::Secretary,
            unit_id: 4,
            unit_path: "/1/2/4/",
        };
        assert_eq!(
            review_step(&sec4, 40, &submitted, Approve),
            Err(Refusal::NoCapacity)
        );
        // The branch never decides, not even on its own record.
        assert_eq!(
            review_step(&sec3, 30, &submitted, Approve),
            Err(Refusal::NoCapacity)
        );
        // Nor does a reviewer submit a branch's record.
        assert_eq!(
            review_step(&rev2, 20, &rec(3, Draft, None), Submit),
            Err(Refusal::NoCapacity)
        );
        // A review capacity over the unit, but the record waits at the other level.
        assert_eq!(
            review_step(&office, 10, &submitted, Approve),
            Err(Refusal::NotYours(AwaitingGeneral))
        );
        assert_eq!(
            review_step(&rev2, 20, &at_committee, Return),
            Err(Refusal::NotYours(AwaitingCommittee))
        );
        // The state does not allow it.
        assert_eq!(
            review_step(&office, 10, &rec(3, Closed, Some(30)), Return),
            Err(Refusal::NotNow)
        );
        assert_eq!(
            review_step(&rev2, 20, &rec(3, Draft, None), Approve),
            Err(Refusal::NotNow)
        );
        // Own material: submitted by the actor, or of the actor's own unit.
        assert_eq!(
            review_step(&office, 10, &rec(7, AwaitingCommittee, Some(10)), Approve),
            Err(Refusal::OwnMaterial)
        );
        assert_eq!(
            review_step(&office, 10, &rec(1, AwaitingCommittee, Some(99)), Approve),
            Err(Refusal::OwnMaterial)
        );
    }

    #[test]
    fn review_queues() {
        let rev2 = Principal {
            role: Role::Reviewer,
            unit_id: 2,
            unit_path: "/1/2/",
        };
        assert_eq!(
            review_queue(&rev2),
            Some((ReviewState::AwaitingGeneral, Scope::Subtree("/1/2/".into())))
        );
        for role in [Role::Secretary, Role::Viewer] {
            let p = Principal {
                role,
                unit_id: 3,
                unit_path: "/1/2/3/",
            };
            assert_eq!(review_queue(&p), None);
        }
    }

    #[test]
    fn scopes() {
        let sec = Principal {
            role: Role::Secretary,
            unit_id: 3,
            unit_path: "/1/2/3/",
        };
        assert_eq!(read_scope(&sec), Scope::Unit(3));
        let rev = Principal {
            role: Role::Reviewer,
            unit_id: 2,
            unit_path: "/1/2/",
        };
        let s = read_scope(&rev);
        assert!(s.contains(4, "/1/2/4/"));
        assert!(!s.contains(6, "/1/5/6/"));
        assert_eq!(
            read_scope(&Principal {
                role: Role::Viewer,
                unit_id: 1,
                unit_path: "/1/"
            }),
            Scope::All
        );
    }
}

// ---------------------------------------------------------------- capabilities

/// What a role may do regardless of any one unit: the questions handlers used to answer by
/// looking at the role themselves. Unit-bound questions stay with `allows`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Open or create the records of a unit (measures, 第一议题, monthly reports, tables):
    /// everyone but the read-only viewer.
    CreateRecords,
    /// Record for any unit, choosing it in the form; others record for their own unit.
    RecordForAnyUnit,
    /// See the review queues (待复查 / 待复核).
    SeeReviewQueues,
    /// Re-check (复查) submissions of the branches below, as a general branch.
    Recheck,
    /// Re-review (复核) submissions as the committee, also several at once.
    Rereview,
    /// Set up the year's campaign: goals, monthly requirements, due days.
    ManageCampaign,
    /// Set up units and user accounts, also by Excel import.
    ManageOrganisation,
    /// Assign the members of the task force (一线专班).
    ManageTaskforce,
    /// Read and export the operation log.
    ReadAuditLog,
    /// Approve or refuse requests to extend a rectification deadline.
    DecideExtensions,
    /// Change the deadline of a rectification item after it was set.
    ChangeDeadlines,
    /// Supervise rectification items: add supervision notes (task force).
    SuperviseRectification,
    /// Urge (催报) branches that have not submitted a month's report: the office for every
    /// branch, a general branch for the branches below it (`Action::Review` over the unit).
    RemindReports,
    /// Set up the year's 千分制 scheme (indicators, points, import).
    ManageAssessment,
    /// Triage, assign and close supervision-channel items, and enter letters, calls and
    /// WeChat messages (信、电、微).
    HandleFeedback,
    /// Record commendations, promotions, recommendations and report series (正向激励).
    ManageIncentives,
    /// See and record referrals to the committee (反向约束): the office only.
    ManageReferrals,
    /// Manage the template library (areas, templates, new file versions).
    ManageTemplates,
}

impl Capability {
    pub const ALL: [Capability; 18] = [
        Capability::CreateRecords,
        Capability::RecordForAnyUnit,
        Capability::SeeReviewQueues,
        Capability::Recheck,
        Capability::Rereview,
        Capability::ManageCampaign,
        Capability::ManageOrganisation,
        Capability::ManageTaskforce,
        Capability::ReadAuditLog,
        Capability::DecideExtensions,
        Capability::ChangeDeadlines,
        Capability::SuperviseRectification,
        Capability::RemindReports,
        Capability::ManageAssessment,
        Capability::HandleFeedback,
        Capability::ManageIncentives,
        Capability::ManageReferrals,
        Capability::ManageTemplates,
    ];
}

/// May a user of `role` do `cap`?
pub fn permits(role: Role, cap: Capability) -> bool {
    use Capability::*;
    match cap {
        CreateRecords => role != Role::Viewer,
        SeeReviewQueues | RemindReports => matches!(role, Role::Office | Role::Reviewer),
        Recheck => role == Role::Reviewer,
        RecordForAnyUnit
        | Rereview
        | ManageCampaign
        | ManageOrganisation
        | ManageTaskforce
        | ReadAuditLog
        | DecideExtensions
        | ChangeDeadlines
        | SuperviseRectification
        | ManageAssessment
        | HandleFeedback
        | ManageIncentives
        | ManageReferrals
        | ManageTemplates => role == Role::Office,
    }
}

#[cfg(test)]
mod capability_tests {
    use super::*;
    use Capability::*;

    fn granted(role: Role) -> Vec<Capability> {
        Capability::ALL
            .into_iter()
            .filter(|c| permits(role, *c))
            .collect()
    }

    #[test]
    fn office_may_everything_but_recheck() {
        let all_but_recheck: Vec<_> = Capability::ALL
            .into_iter()
            .filter(|c| *c != Recheck)
            .collect();
        assert_eq!(granted(Role::Office), all_but_recheck);
    }

    #[test]
    fn reviewer_records_rechecks_and_sees_queues() {
        assert_eq!(
            granted(Role::Reviewer),
            vec![CreateRecords, SeeReviewQueues, Recheck, RemindReports]
        );
    }

    #[test]
    fn secretary_only_records() {
        assert_eq!(granted(Role::Secretary), vec![CreateRecords]);
    }

    #[test]
    fn viewer_may_nothing() {
        assert!(granted(Role::Viewer).is_empty());
    }

    #[test]
    fn every_role_is_covered() {
        // A new role must be added to the tests above.
        assert_eq!(Role::ALL.len(), 4);
    }
}
