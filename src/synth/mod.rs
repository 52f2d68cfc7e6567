//! `zuofeng synth`: a large synthetic group for benchmarks, every record type at full size.
//! By default 300 branches under 30 general branches, a secretary per branch and a reviewer
//! per general branch, and three campaign years (the current one and the two before) with
//! 20 measures and 5 rectification items per branch and year, every branch's monthly reports
//! (submitted, reviewed, with lines), 第一议题 records, a roster of ~20 people per branch,
//! ~17 activities per branch with attendance, brands, feedback items, 千分制 score sheets,
//! and a few surveys and incentives.
//!
//! Only into an empty database (refused otherwise), in one write transaction, every table
//! filled with multi-row inserts of [`CHUNK`] rows. Deterministic apart from the feedback
//! tracking codes (random, as the portal makes them).

mod extras;
mod org;
mod people;
mod records;
mod registers;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};

use crate::db::models::campaigns::Campaign;
use crate::db::schema::{review_events, units};
use crate::db::{write_tx, DbConn};

/// Rows per multi-row INSERT (well under both backends' bind-parameter limits).
pub(crate) const CHUNK: usize = 500;

/// The size asked for: `branches` unless the finer flags are given.
pub struct SynthSize {
    pub branches: usize,
    pub general_branches: Option<usize>,
    pub branches_per_general: Option<usize>,
    /// Measures per campaign year.
    pub measures: Option<usize>,
    /// Rectification items per campaign year.
    pub items: Option<usize>,
}

impl SynthSize {
    /// The number of branches under each general branch.
    fn layout(&self) -> Vec<usize> {
        let n = self.branches.max(1);
        let generals = self.general_branches.unwrap_or((n / 10).max(1)).max(1);
        match self.branches_per_general {
            Some(per) => vec![per.max(1); generals],
            None => (0..generals)
                .map(|g| (n / generals + usize::from(g < n % generals)).max(1))
                .collect(),
        }
    }
}

/// A tiny deterministic generator (xorshift), so runs are repeatable.
pub(crate) struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// A general branch and its reviewer account.
pub(crate) struct General {
    pub id: i32,
    pub reviewer: i32,
}

/// A branch, its general branch (index into `generals`) and its secretary account.
pub(crate) struct Branch {
    pub id: i32,
    pub general: usize,
    pub secretary: i32,
    pub name: String,
    pub headquarters: bool,
}

/// Everything the steps share.
pub(crate) struct Synth<'a> {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub rng: Rng,
    pub bar: &'a ProgressBar,
    pub root: i32,
    pub admin: i32,
    pub generals: Vec<General>,
    pub branches: Vec<Branch>,
    /// The three campaign years, oldest first.
    pub years: Vec<Campaign>,
    /// What was made, per kind, for the summary line.
    pub counts: Vec<(&'static str, usize)>,
}

impl Synth<'_> {
    /// Start a step of the progress bar.
    pub(crate) fn step(&self, label: &'static str) {
        self.bar.set_message(label);
    }

    /// Rows about to be inserted (the bar's length grows with the plan).
    pub(crate) fn plan(&self, rows: usize) {
        self.bar.inc_length(rows as u64);
    }

    pub(crate) fn count(&mut self, kind: &'static str, n: usize) {
        self.counts.push((kind, n));
    }

    pub(crate) fn is_current(&self, year: i32) -> bool {
        year == self.today.year()
    }
}

/// Insert `rows` (a slice of insertable rows) into `table` in chunks, advancing the bar;
/// evaluates to the number of rows.
macro_rules! insert_rows {
    ($s:expr, $c:expr, $table:expr, $rows:expr) => {{
        let rows = &$rows[..];
        $s.plan(rows.len());
        for chunk in rows.chunks($crate::synth::CHUNK) {
            $crate::per_backend!(&mut *$c, |cc| diesel::insert_into($table)
                .values(chunk)
                .execute(cc))?;
            $s.bar.inc(chunk.len() as u64);
        }
        rows.len()
    }};
}

/// Same, evaluating to the new ids in insertion order (ids ascend with the order of the rows
/// on both backends: the database is written by this process alone).
macro_rules! insert_ids {
    ($s:expr, $c:expr, $table:expr, $id:expr, $rows:expr) => {{
        let rows = &$rows[..];
        $s.plan(rows.len());
        let mut ids: Vec<i32> = Vec::with_capacity(rows.len());
        for chunk in rows.chunks($crate::synth::CHUNK) {
            let got: Vec<i32> = $crate::per_backend!(&mut *$c, |cc| diesel::insert_into($table)
                .values(chunk)
                .returning($id)
                .get_results(cc))?;
            ids.extend(got);
            $s.bar.inc(chunk.len() as u64);
        }
        ids.sort_unstable();
        if ids.len() != rows.len() {
            anyhow::bail!("synth: {} ids for {} rows", ids.len(), rows.len());
        }
        ids
    }};
}

pub(crate) use {insert_ids, insert_rows};

/// One step of a review trail.
#[derive(Insertable)]
#[diesel(table_name = review_events)]
pub(crate) struct Event {
    pub entity: &'static str,
    pub entity_id: i32,
    pub action: &'static str,
    pub from_state: &'static str,
    pub to_state: &'static str,
    pub actor_id: Option<i32>,
    pub comment: &'static str,
    pub at: NaiveDateTime,
}

/// The trail of a record submitted at `at` that reached `reached` (`returned`: sent back
/// to draft by the first reviewer). `direct`: the unit is directly under the committee.
#[allow(clippy::too_many_arguments)]
pub(crate) fn trail(
    out: &mut Vec<Event>,
    entity: &'static str,
    id: i32,
    reached: crate::domain::review::ReviewState,
    returned: bool,
    direct: bool,
    actors: (i32, i32, i32),
    at: NaiveDateTime,
    now: NaiveDateTime,
    return_comment: &'static str,
) {
    use crate::domain::review::{ReviewAction as A, ReviewState as S};
    let (own, general, committee) = actors;
    let first = if direct {
        S::AwaitingCommittee
    } else {
        S::AwaitingGeneral
    };
    let mut ev = |action: A, from: S, to: S, actor: i32, comment: &'static str, hours: i64| {
        out.push(Event {
            entity,
            entity_id: id,
            action: action.code(),
            from_state: from.code(),
            to_state: to.code(),
            actor_id: Some(actor),
            comment,
            at: (at + chrono::Duration::hours(hours)).min(now),
        })
    };
    ev(A::Submit, S::Draft, first, own, "", 0);
    let first_actor = if direct { committee } else { general };
    if returned {
        ev(A::Return, first, S::Draft, first_actor, return_comment, 20);
        return;
    }
    if !direct && reached != S::AwaitingGeneral {
        ev(
            A::Approve,
            S::AwaitingGeneral,
            S::AwaitingCommittee,
            general,
            "同意",
            24,
        );
    }
    if reached == S::Closed {
        ev(
            A::Approve,
            S::AwaitingCommittee,
            S::Closed,
            committee,
            "",
            48,
        );
    }
}

/// A day of `year` (day 0 = 1 January), never after `today`.
pub(crate) fn day_of(year: i32, day: usize, today: NaiveDate) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    (start + chrono::Duration::days(day.min(364) as i64)).min(today)
}

/// `d` at `h`:`m` (naive UTC).
pub(crate) fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_hms_opt(h.min(23), m % 60, 0).unwrap_or_default()
}

/// Refuse a database that already holds units.
fn refuse_non_empty(c: &mut DbConn) -> anyhow::Result<()> {
    let n: i64 = units::table.count().get_result(c)?;
    if n > 0 {
        anyhow::bail!(
            "数据库中已有数据（{n} 个单位），synth 只向空数据库写入；请换一个新的数据库。"
        );
    }
    Ok(())
}

/// Create the synthetic group in an empty database; returns the one-line summary.
pub fn run(
    conn: &mut DbConn,
    size: &SynthSize,
    password_hash: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<String> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:<8} [{bar:40.cyan/blue}] {human_pos}/{human_len} 行 {elapsed_precise}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let layout = size.layout();
    let counts = write_tx(conn, |c| -> anyhow::Result<Vec<(&'static str, usize)>> {
        refuse_non_empty(c)?;
        let mut s = Synth {
            today,
            now,
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            bar: &bar,
            root: 0,
            admin: 0,
            generals: Vec::new(),
            branches: Vec::new(),
            years: Vec::new(),
            counts: Vec::new(),
        };
        s.step("组织");
        org::units_and_accounts(&mut s, c, &layout, password_hash)?;
        org::campaigns(&mut s, c)?;
        s.step("台账");
        let refs = registers::fill(&mut s, c, size)?;
        s.step("月度报告");
        records::reports(&mut s, c, &refs)?;
        drop(refs);
        s.step("第一议题");
        records::topics(&mut s, c)?;
        s.step("人员活动");
        people::fill(&mut s, c)?;
        s.step("品牌");
        extras::brands(&mut s, c)?;
        s.step("意见反馈");
        extras::feedback(&mut s, c)?;
        s.step("千分制");
        extras::assessment(&mut s, c)?;
        s.step("调查激励");
        extras::surveys_and_incentives(&mut s, c)?;
        Ok(s.counts)
    })?;
    bar.finish_and_clear();
    // Fresh statistics for the planner on both backends.
    diesel::connection::SimpleConnection::batch_execute(conn, "ANALYZE")?;
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    Ok(format!(
        "已生成（{}—{} 年度）：{}。",
        today.year() - 2,
        today.year(),
        parts.join("，")
    ))
}
