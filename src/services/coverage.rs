//! 覆盖率 (issue 11): the coverage of a roster group by the activities of chosen kinds in a
//! calendar year, per unit (each unit with everything under it) and overall, and the people
//! not yet covered. Read only: the counting is `db::models::coverage` (grouped SQL); this
//! module picks the units the user may see and adds the per-unit counts up the tree.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::auth::{Action, CurrentUser};
use crate::db::models::campaigns;
use crate::db::models::coverage::{self, CoverageQuery, Uncovered, UnitCount};
use crate::db::models::units::{self, Unit};
use crate::db::DbConn;
use crate::domain::activity::{ActivityKind, RosterGroup};
use crate::error::{AppError, AppResult};

/// The yearly 学时 quota when the year has no campaign (the campaign's default too).
pub const DEFAULT_HOURS_QUOTA: i32 = 32;

/// The kinds counted unless others are chosen: 培训 and 考试.
pub const DEFAULT_KINDS: [ActivityKind; 2] = [ActivityKind::Training, ActivityKind::Exam];

/// What the coverage page shows: a calendar year, a group, activity kinds, and optionally a
/// unit (with everything under it) inside the user's scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selection {
    pub year: i32,
    pub group: RosterGroup,
    /// Never empty (see [`DEFAULT_KINDS`]).
    pub kinds: Vec<ActivityKind>,
    pub unit: Option<i32>,
}

impl Selection {
    /// The defaults for `year`: 党员, 培训 and 考试, every unit of the user.
    pub fn of_year(year: i32) -> Self {
        Selection {
            year,
            group: RosterGroup::PartyMember,
            kinds: DEFAULT_KINDS.to_vec(),
            unit: None,
        }
    }

    /// 1 January ..= 31 December of the year.
    pub fn period(&self) -> (NaiveDate, NaiveDate) {
        let first = NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX);
        (first, last)
    }

    /// The kinds in words: 培训、考试.
    pub fn kinds_in_words(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The counts of some people: how many are to be covered, covered, their hours, and how many
/// reached the quota.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    pub total: i64,
    pub covered: i64,
    pub hours: f64,
    pub reached: i64,
}

impl Counts {
    fn add(&mut self, c: &UnitCount) {
        self.total += c.total;
        self.covered += c.covered;
        self.hours += c.hours;
        self.reached += c.reached;
    }

    pub fn not_covered(&self) -> i64 {
        self.total - self.covered
    }

    /// 覆盖率 (0–1); None without anyone to cover.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 / self.total as f64)
    }

    /// 人均学时; None without anyone.
    pub fn hours_per_person(&self) -> Option<f64> {
        (self.total > 0).then(|| self.hours / self.total as f64)
    }

    /// Share of the people who reached the quota (0–1); None without anyone.
    pub fn reached_share(&self) -> Option<f64> {
        (self.total > 0).then(|| self.reached as f64 / self.total as f64)
    }
}

/// One unit's line: its people and everyone under it.
#[derive(Clone, Debug)]
pub struct Line {
    pub unit: Unit,
    /// Depth below the shallowest unit shown.
    pub depth: usize,
    pub counts: Counts,
}

/// The coverage of a selection.
#[derive(Clone, Debug)]
pub struct Report {
    pub selection: Selection,
    /// The year's 学时 quota.
    pub quota: i32,
    /// The unit picked, if any.
    pub unit: Option<Unit>,
    /// Units in tree order, each with everything under it.
    pub lines: Vec<Line>,
    /// Everyone of the selection once.
    pub overall: Counts,
    query: CoverageQuery,
}

/// The yearly 学时 quota: the campaign setting of that year, else [`DEFAULT_HOURS_QUOTA`].
pub fn quota_of_year(c: &mut DbConn, year: i32) -> AppResult<i32> {
    Ok(campaigns::by_year(c, year)?
        .map(|cp| cp.hours_quota)
        .unwrap_or(DEFAULT_HOURS_QUOTA))
}

/// The coverage of `sel` over the user's units. A picked unit that does not exist is
/// `NotFound`, one outside the user's scope `Forbidden` (as the lists answer).
pub fn report(c: &mut DbConn, user: &CurrentUser, sel: Selection) -> AppResult<Report> {
    let scope = user.scope();
    let (unit, shown) = match sel.unit {
        Some(id) => {
            let unit = units::find(c, id)?.ok_or(AppError::NotFound)?;
            user.require(Action::Read, &unit)?;
            let shown: Vec<Unit> = units::subtree(c, &unit.path)?
                .into_iter()
                .filter(|u| scope.contains(u.id, &u.path))
                .collect();
            (Some(unit), shown)
        }
        None => (None, units::in_scope(c, &scope)?),
    };
    let quota = quota_of_year(c, sel.year)?;
    let (from, to) = sel.period();
    let query = CoverageQuery {
        group: sel.group,
        kinds: sel.kinds.clone(),
        from,
        to,
        scope,
        under: unit.as_ref().map(|u| u.path.clone()),
    };
    let counts = coverage::by_unit(c, &query, f64::from(quota))?;
    let (lines, overall) = roll_up(shown, &counts);
    Ok(Report {
        selection: sel,
        quota,
        unit,
        lines,
        overall,
        query,
    })
}

/// Lines for `shown` (tree order), each unit with the counts of its own people and of
/// everyone under it; and the overall counts (each person is in one unit: counted once).
/// Inactive units without anyone counted are left out.
fn roll_up(shown: Vec<Unit>, counts: &[UnitCount]) -> (Vec<Line>, Counts) {
    let top = shown.iter().map(Unit::depth).min().unwrap_or(0);
    let index: HashMap<i32, usize> = shown.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let mut sums = vec![Counts::default(); shown.len()];
    let mut overall = Counts::default();
    for count in counts {
        overall.add(count);
        let Some(&at) = index.get(&count.unit_id) else {
            continue;
        };
        for id in shown[at].ancestor_ids() {
            if let Some(&i) = index.get(&id) {
                sums[i].add(count);
            }
        }
    }
    let lines = shown
        .into_iter()
        .zip(sums)
        .filter(|(u, c)| u.active || c.total > 0)
        .map(|(unit, counts)| Line {
            depth: unit.depth() - top,
            unit,
            counts,
        })
        .collect();
    (lines, overall)
}

impl Report {
    /// The people not yet covered, `limit` from `offset` (their number: `overall.not_covered()`).
    pub fn uncovered(&self, c: &mut DbConn, offset: i64, limit: i64) -> AppResult<Vec<Uncovered>> {
        Ok(coverage::uncovered(c, &self.query, offset, limit)?)
    }

    /// The lines of the units `depth` below the shallowest shown (the home page's short
    /// table, depth 1: what lies directly under the committee or the general branch).
    pub fn level(&self, depth: usize) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(move |l| l.depth == depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i32, path: &str) -> Unit {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date");
        Unit {
            id,
            parent_id: None,
            code: format!("u{id}"),
            name: format!("u{id}"),
            kind: "branch".into(),
            category: "other".into(),
            path: path.into(),
            sort_order: 0,
            active: true,
            created_at: t,
            updated_at: t,
            version: 1,
        }
    }

    fn count(unit_id: i32, total: i64, covered: i64) -> UnitCount {
        UnitCount {
            unit_id,
            total,
            covered,
            hours: covered as f64 * 4.0,
            reached: 0,
        }
    }

    #[test]
    fn units_add_up_the_tree_and_people_count_once_overall() {
        let shown = vec![
            unit(1, "/1/"),
            unit(2, "/1/2/"),
            unit(3, "/1/2/3/"),
            unit(4, "/1/4/"),
        ];
        let (lines, overall) = roll_up(shown, &[count(3, 5, 3), count(2, 1, 0), count(4, 2, 2)]);
        let totals: Vec<(i32, i64, i64)> = lines
            .iter()
            .map(|l| (l.unit.id, l.counts.total, l.counts.covered))
            .collect();
        assert_eq!(totals, [(1, 8, 5), (2, 6, 3), (3, 5, 3), (4, 2, 2)]);
        assert_eq!((overall.total, overall.covered), (8, 5));
        assert_eq!(overall.rate(), Some(5.0 / 8.0));
        assert_eq!(Counts::default().rate(), None);
    }

    #[test]
    fn a_subtree_starts_at_depth_zero() {
        let shown = vec![unit(2, "/1/2/"), unit(3, "/1/2/3/")];
        let (lines, _) = roll_up(shown, &[]);
        assert_eq!(lines.iter().map(|l| l.depth).collect::<Vec<_>>(), [0, 1]);
    }
}
