//! One review service for every reviewed record (monthly reports, 第一议题 records, and the
//! records that come later): a record type implements [`Reviewed`] (load for update, the
//! guarded state change, how it is named, what closing sets off, its queue), and [`decide`]
//! does the rest in the caller's write transaction: asks `policy` in which capacity the user
//! acts, steps the state machine, writes the trail and the audit entry, and queues the
//! notification. Batch approval, queues and the trail are here once as well.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::QueryResult;

use crate::auth::policy::ReviewedRecord;
use crate::auth::{CurrentUser, Scope};
use crate::clock::format_local;
use crate::db::models::units::{self, Unit};
use crate::db::models::{audit, reviews};
use crate::db::DbConn;
use crate::domain::review::{Refusal, ReviewAction, ReviewState};
use crate::error::{AppError, AppResult};
use crate::notify::{Notice, Outbox};
use crate::state::AppState;

/// The accessors of [`Reviewed`] for a row with the review columns under their usual names
/// (`id`, `unit_id`, `state`, `version`, `submitted_by`, `submitted_at`).
macro_rules! review_columns {
    () => {
        fn id(&self) -> i32 {
            self.id
        }

        fn unit_id(&self) -> i32 {
            self.unit_id
        }

        fn state(&self) -> $crate::domain::review::ReviewState {
            $crate::domain::review::ReviewState::parse(&self.state)
                .unwrap_or($crate::domain::review::ReviewState::Draft)
        }

        fn version(&self) -> i32 {
            self.version
        }

        fn submitted_by(&self) -> Option<i32> {
            self.submitted_by
        }

        fn submitted_at(&self) -> Option<chrono::NaiveDateTime> {
            self.submitted_at
        }
    };
}
pub(crate) use review_columns;

/// A record that goes through the three-level review.
pub trait Reviewed: Sized {
    /// Its name in the trail, the audit log and history.
    const ENTITY: &'static str;
    /// Where its pages live (`/reports`, `/topics`).
    const BASE: &'static str;
    /// The area's name in titles and file names ("月度调度", "第一议题").
    const AREA: &'static str;
    /// What one record is called in messages ("份月度调度", "条第一议题记录").
    const COUNTED: &'static str;
    /// The queue's date column header.
    const DATE_LABEL: &'static str;

    /// The record, locked until the transaction ends (None: no such record).
    fn lock(c: &mut DbConn, id: i32) -> QueryResult<Option<Self>>;
    /// The records waiting in `state` for units in `scope`, oldest submission first.
    fn queue(c: &mut DbConn, scope: &Scope, state: ReviewState) -> QueryResult<Vec<(Self, Unit)>>;

    fn id(&self) -> i32;
    fn unit_id(&self) -> i32;
    fn state(&self) -> ReviewState;
    fn version(&self) -> i32;
    fn submitted_by(&self) -> Option<i32>;
    fn submitted_at(&self) -> Option<NaiveDateTime>;
    /// How messages and the audit log name it ("2026年11月月度调度", "第一议题记录「…」").
    fn summary(&self) -> String;
    /// The queue's date cell (the month, the meeting date).
    fn date(&self) -> String;
    /// Was it submitted late (a queue badge)?
    fn late(&self) -> bool {
        false
    }

    /// The state change, guarded: `UPDATE … WHERE id = ? AND state = step.from AND version = ?`
    /// bumping the version; a submission also stamps who and when. False: nothing written
    /// (another step or save got there first).
    fn apply(&self, c: &mut DbConn, step: &Step) -> QueryResult<bool>;
    /// Words added to a submission's audit line (e.g. "，迟报").
    fn submit_note(&self, _today: NaiveDate) -> &'static str {
        ""
    }
    /// What the final approval sets off, inside the same transaction; words added to its
    /// audit line.
    fn on_close(&self, _c: &mut DbConn, _unit: &Unit, _step: &Step) -> AppResult<String> {
        Ok(String::new())
    }
}

/// One step being taken.
pub struct Step {
    pub action: ReviewAction,
    pub from: ReviewState,
    pub to: ReviewState,
    pub actor_id: i32,
    pub now: NaiveDateTime,
    pub today: NaiveDate,
}

/// What a step needs from outside the database, taken from the app state before the
/// transaction.
#[derive(Clone)]
pub struct Env {
    pub now: NaiveDateTime,
    pub today: NaiveDate,
    pub outbox: Outbox,
}

impl Env {
    pub fn of(state: &AppState) -> Env {
        Env {
            now: state.now(),
            today: state.settings.clock.today(),
            outbox: state.outbox.clone(),
        }
    }
}

/// What the user asks for.
pub struct Decision {
    pub action: ReviewAction,
    /// Already checked with `domain::review::comment`.
    pub comment: String,
    /// The version the user saw, when the form carried it: a record that changed since is
    /// refused.
    pub version: Option<i32>,
}

/// A step taken.
pub struct Done<R> {
    pub record: R,
    pub unit: Unit,
    pub to: ReviewState,
}

/// The facts `policy` needs about a record of `unit`.
pub fn facts<'a, R: Reviewed>(unit: &'a Unit, r: &R) -> ReviewedRecord<'a> {
    ReviewedRecord {
        unit_id: unit.id,
        unit_path: &unit.path,
        skip_general: unit.directly_under_root(),
        state: r.state(),
        submitted_by: r.submitted_by(),
    }
}

/// May `user` take `action` on `r` (for showing the buttons)?
pub fn may<R: Reviewed>(user: &CurrentUser, unit: &Unit, r: &R, action: ReviewAction) -> bool {
    user.review_step(&facts(unit, r), action).is_ok()
}

/// Take one review step on record `id` inside the caller's write transaction. The outer
/// error is a failure (no such record, the database); the inner one the user's refusal,
/// with nothing written.
pub fn decide<R: Reviewed>(
    c: &mut DbConn,
    user: &CurrentUser,
    id: i32,
    d: &Decision,
    env: &Env,
) -> AppResult<Result<Done<R>, Refusal>> {
    let Some(r) = R::lock(c, id)? else {
        return Err(AppError::NotFound);
    };
    let unit = units::get(c, r.unit_id())?;
    let to = match user.review_step(&facts(&unit, &r), d.action) {
        Ok(to) => to,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if d.version.is_some_and(|v| v != r.version()) {
        return Ok(Err(Refusal::Changed));
    }
    let step = Step {
        action: d.action,
        from: r.state(),
        to,
        actor_id: user.id,
        now: env.now,
        today: env.today,
    };
    let note = if d.action == ReviewAction::Submit {
        r.submit_note(env.today)
    } else {
        ""
    };
    if !r.apply(c, &step)? {
        return Ok(Err(Refusal::NotNow));
    }
    reviews::record(
        c,
        reviews::Step {
            entity: R::ENTITY,
            entity_id: id,
            action: d.action,
            from: step.from,
            to,
            actor_id: user.id,
            comment: &d.comment,
        },
        env.now,
    )?;
    let mut summary = format!(
        "{}{}（{}）→ {}{note}",
        d.action.label(),
        r.summary(),
        unit.name,
        to.label()
    );
    if to == ReviewState::Closed {
        summary.push_str(&r.on_close(c, &unit, &step)?);
    }
    if !d.comment.is_empty() {
        summary.push_str(&format!("，意见：{}", d.comment));
    }
    audit::Change::new(user.id, d.action.code(), R::ENTITY, id, summary)
        .unit(unit.id)
        .before(&serde_json::json!({ "state": step.from.code() }))
        .after(&serde_json::json!({ "state": to.code(), "comment": d.comment }))
        .record(c, env.now)?;
    if d.action == ReviewAction::Return {
        env.outbox.enqueue(
            c,
            &Notice::returned(&unit.name, &r.summary(), &d.comment),
            env.now,
        )?;
    }
    Ok(Ok(Done {
        record: r,
        unit,
        to,
    }))
}

/// Approve each of `ids` as a single approval would, in the caller's transaction: how many
/// passed, and each one that did not, named with the reason.
pub fn approve_many<R: Reviewed>(
    c: &mut DbConn,
    user: &CurrentUser,
    ids: &[i32],
    env: &Env,
) -> AppResult<(usize, Vec<String>)> {
    let mut done = 0;
    let mut refused = Vec::new();
    let d = Decision {
        action: ReviewAction::Approve,
        comment: String::new(),
        version: None,
    };
    for &id in ids {
        match decide::<R>(c, user, id, &d, env) {
            Ok(Ok(_)) => done += 1,
            Ok(Err(why)) => {
                let name = match R::lock(c, id)? {
                    Some(r) => {
                        let unit = units::get(c, r.unit_id())?;
                        format!("{} {}", unit.name, r.summary())
                    }
                    None => format!("编号 {id}"),
                };
                refused.push(format!("{name}：{}", why.message()));
            }
            Err(AppError::NotFound) => refused.push(format!("编号 {id}：不存在")),
            Err(e) => return Err(e),
        }
    }
    Ok((done, refused))
}

/// One line of a review queue.
pub struct QueueRow {
    pub id: i32,
    pub unit_name: String,
    pub title: String,
    pub date: String,
    pub submitted_at: String,
    pub late: bool,
    pub state: &'static str,
}

/// The stage the user works ("待党委复核") and the records waiting at it; `Forbidden` for
/// users who review nothing.
pub fn queue<R: Reviewed>(
    c: &mut DbConn,
    user: &CurrentUser,
) -> AppResult<(&'static str, Vec<QueueRow>)> {
    let (st, scope) = user.review_queue().ok_or(AppError::Forbidden)?;
    let rows = R::queue(c, &scope, st)?
        .into_iter()
        .map(|(r, u)| QueueRow {
            id: r.id(),
            unit_name: u.name,
            title: r.summary(),
            date: r.date(),
            submitted_at: r.submitted_at().map(format_local).unwrap_or_default(),
            late: r.late(),
            state: r.state().label(),
        })
        .collect();
    Ok((st.label(), rows))
}

/// One step of a record's trail, as shown.
#[derive(Clone)]
pub struct TrailLine {
    pub at: String,
    pub who: String,
    pub action: &'static str,
    pub to: &'static str,
    pub comment: String,
}

fn line(e: reviews::ReviewEvent, who: String) -> TrailLine {
    TrailLine {
        at: format_local(e.at),
        who,
        action: e.action_label(),
        to: e.to_label(),
        comment: e.comment,
    }
}

/// A record's trail, oldest first, every step with a name (a stand-in where the account is
/// gone), and the latest return when the record is a draft again.
pub fn trail(
    c: &mut DbConn,
    entity: &str,
    id: i32,
    unit: &Unit,
) -> QueryResult<(Vec<TrailLine>, Option<TrailLine>)> {
    let rows = reviews::trail(c, entity, id)?;
    let mut out = Vec::with_capacity(rows.len());
    for (e, who) in rows {
        let who = match who {
            Some(w) => w,
            None => reviews::stand_in(c, unit, &e)?,
        };
        out.push(line(e, who));
    }
    let returned = out
        .last()
        .filter(|l| l.action == ReviewAction::Return.label())
        .map(|l| TrailLine {
            at: l.at.clone(),
            who: l.who.clone(),
            action: l.action,
            to: l.to,
            comment: l.comment.clone(),
        });
    Ok((out, returned))
}
