//! The review trail shared by monthly reports and 第一议题 records: every transition with who,
//! when and the comment.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::units::Unit;
use crate::db::schema::{review_events, users};
use crate::db::DbConn;
use crate::domain::review::{ReviewAction, ReviewState};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = review_events)]
pub struct ReviewEvent {
    pub id: i32,
    pub entity: String,
    pub entity_id: i32,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub actor_id: Option<i32>,
    pub comment: String,
    pub at: NaiveDateTime,
}

impl ReviewEvent {
    pub fn action_label(&self) -> &'static str {
        ReviewAction::parse(&self.action).map_or("", |a| a.label())
    }

    pub fn to_label(&self) -> &'static str {
        ReviewState::parse(&self.to_state).map_or("", |s| s.label())
    }
}

pub struct Step<'a> {
    pub entity: &'a str,
    pub entity_id: i32,
    pub action: ReviewAction,
    pub from: ReviewState,
    pub to: ReviewState,
    pub actor_id: i32,
    pub comment: &'a str,
}

pub fn record(conn: &mut DbConn, s: Step<'_>, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(review_events::table)
        .values((
            review_events::entity.eq(s.entity),
            review_events::entity_id.eq(s.entity_id),
            review_events::action.eq(s.action.code()),
            review_events::from_state.eq(s.from.code()),
            review_events::to_state.eq(s.to.code()),
            review_events::actor_id.eq(Some(s.actor_id)),
            review_events::comment.eq(s.comment),
            review_events::at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The trail of one record, oldest first, with the actors' names.
pub fn trail(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i32,
) -> QueryResult<Vec<(ReviewEvent, Option<String>)>> {
    review_events::table
        .left_join(users::table)
        .filter(review_events::entity.eq(entity))
        .filter(review_events::entity_id.eq(entity_id))
        .order(review_events::id)
        .select((ReviewEvent::as_select(), users::display_name.nullable()))
        .load(conn)
}

/// The latest return comment of a record that is a draft again, if it was returned.
pub fn last_return(
    conn: &mut DbConn,
    entity: &str,
    entity_id: i32,
) -> QueryResult<Option<(ReviewEvent, Option<String>)>> {
    let last: Option<(ReviewEvent, Option<String>)> = review_events::table
        .left_join(users::table)
        .filter(review_events::entity.eq(entity))
        .filter(review_events::entity_id.eq(entity_id))
        .order(review_events::id.desc())
        .select((ReviewEvent::as_select(), users::display_name.nullable()))
        .first(conn)
        .optional()?;
    Ok(last.filter(|(e, _)| e.action == ReviewAction::Return.code()))
}

/// The name shown for the branch's own step (submission) when no account is on record (an
/// account since removed, or demo data of a branch without one): the unit's secretary.
pub fn branch_stand_in(unit: &Unit) -> String {
    format!("{}书记", unit.name)
}

/// Who stands for a step of a record of `unit` whose actor is unknown: the branch's
/// secretary for a submission, the general branch's secretary for its re-check, the
/// committee's department for the re-review.
pub fn stand_in(conn: &mut DbConn, unit: &Unit, e: &ReviewEvent) -> QueryResult<String> {
    Ok(match ReviewState::parse(&e.from_state) {
        Some(ReviewState::Draft) => branch_stand_in(unit),
        Some(ReviewState::AwaitingGeneral) => match unit.parent_id {
            Some(p) => format!("{}书记", crate::db::models::units::get(conn, p)?.name),
            None => "党总支书记".into(),
        },
        Some(ReviewState::AwaitingCommittee) => "党委（党群工作部）".into(),
        _ => "—".into(),
    })
}

/// The latest review (approval or return: any step but a submission) of each record of
/// `entity` among `ids`, with the reviewer's name.
pub fn last_reviews(
    conn: &mut DbConn,
    entity: &str,
    ids: &[i32],
) -> QueryResult<std::collections::HashMap<i32, (ReviewEvent, Option<String>)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(ReviewEvent, Option<String>)> = review_events::table
            .left_join(users::table)
            .filter(review_events::entity.eq(entity))
            .filter(review_events::entity_id.eq_any(chunk))
            .filter(review_events::action.ne(ReviewAction::Submit.code()))
            .order(review_events::id)
            .select((ReviewEvent::as_select(), users::display_name.nullable()))
            .load(conn)?;
        for (e, who) in rows {
            // Oldest first: the last one kept is the latest.
            out.insert(e.entity_id, (e, who));
        }
    }
    Ok(out)
}
