//! Rules of the monthly report (月度调度) with no I/O: how a branch's report of a month
//! counts for compliance, whether a submission is late, and what flows back into the
//! registers on final approval.

use chrono::NaiveDate;

use crate::domain::register::{MeasureStatus, RectStatus};

/// What compliance needs to know about a branch's report of a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    /// Submitted at least once.
    pub submitted: bool,
    /// A draft now (never submitted, or returned).
    pub draft: bool,
    /// Late by its first submission.
    pub late: bool,
}

/// What a report's compliance is for a month, as the office sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compliance {
    OnTime,
    Late,
    /// Submitted (so it counts as reported, on time or late by its first submission), then
    /// returned to draft and not yet resubmitted.
    Returned {
        late: bool,
    },
    /// Not submitted, due date passed.
    Missing,
    /// Not submitted, still before the due date.
    Pending,
}

impl Compliance {
    pub fn of(report: Option<Filed>, due: NaiveDate, today: NaiveDate) -> Compliance {
        match report.filter(|r| r.submitted) {
            Some(r) if r.draft => Compliance::Returned { late: r.late },
            Some(r) if r.late => Compliance::Late,
            Some(_) => Compliance::OnTime,
            None if today > due => Compliance::Missing,
            None => Compliance::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Compliance::OnTime => "已报送(按时)",
            Compliance::Late => "迟报",
            Compliance::Returned { late: false } => "已退回(按时)",
            Compliance::Returned { late: true } => "已退回(迟报)",
            Compliance::Missing => "未报",
            Compliance::Pending => "待报送",
        }
    }

    /// Which of the four counts (按时, 迟报, 未报, 待报送) it falls in: a returned report
    /// counts as reported, by its first submission.
    pub fn count_index(self) -> usize {
        match self {
            Compliance::OnTime | Compliance::Returned { late: false } => 0,
            Compliance::Late | Compliance::Returned { late: true } => 1,
            Compliance::Missing => 2,
            Compliance::Pending => 3,
        }
    }

    /// Not submitted (未报 or 待报送): the branch may be urged (催报).
    pub fn awaited(self) -> bool {
        matches!(self, Compliance::Missing | Compliance::Pending)
    }

    /// The code of the count it falls in (the badge's colour): `ontime`, `late`, `missing`,
    /// `pending`.
    pub fn count_code(self) -> &'static str {
        ["ontime", "late", "missing", "pending"][self.count_index()]
    }

    pub fn code(self) -> &'static str {
        match self {
            Compliance::OnTime => "ontime",
            Compliance::Late => "late",
            Compliance::Returned { .. } => "returned",
            Compliance::Missing => "missing",
            Compliance::Pending => "pending",
        }
    }
}

/// The names of the four counts, in `Compliance::count_index` order.
pub const COUNT_LABELS: [&str; 4] = ["按时", "迟报", "未报", "待报送"];

/// The four counts of a group of branches: `按时 n / 迟报 n / 未报 n / 待报送 n`.
pub fn tally(counts: &[usize; 4]) -> String {
    COUNT_LABELS
        .iter()
        .zip(counts)
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Is a submission made `today` late? A report submitted once keeps the verdict of its
/// FIRST submission (sent on time, returned after the due day, resubmitted: still on time).
pub fn late_on_submit(filed: Filed, due: NaiveDate, today: NaiveDate) -> bool {
    if filed.submitted {
        filed.late
    } else {
        today > due
    }
}

/// A report line as approved, against the snapshot of the register taken when the line was
/// made (None on lines made before snapshots existed: they count as changed).
pub struct LineOutcome<'a> {
    pub status: &'a str,
    pub progress: Option<i32>,
    pub snap_status: Option<&'a str>,
    pub snap_progress: Option<i32>,
}

impl LineOutcome<'_> {
    fn status_changed(&self) -> bool {
        self.snap_status != Some(self.status)
    }
}

/// What a measure now at (`status`, `progress`) becomes when `line` is approved: only what
/// the report CHANGED from the snapshot flows back, so a value the branch left alone never
/// overwrites a newer one set in the register meanwhile; closing stays its own action and a
/// closed measure is never touched. None: the measure is left alone.
pub fn measure_after(
    line: &LineOutcome<'_>,
    status: MeasureStatus,
    progress: i32,
) -> Option<(MeasureStatus, i32)> {
    let status_changed = line.status_changed();
    let progress_changed = line.snap_progress.is_none() || line.snap_progress != line.progress;
    if !status_changed && !progress_changed {
        return None;
    }
    let reported = MeasureStatus::parse(line.status)?;
    if reported == MeasureStatus::Closed || status == MeasureStatus::Closed {
        return None;
    }
    let after = (
        if status_changed { reported } else { status },
        match line.progress {
            Some(p) if progress_changed => p.clamp(0, 100),
            _ => progress,
        },
    );
    (after != (status, progress)).then_some(after)
}

/// What an item now in `status` becomes when `line` is approved: the branch's new status,
/// unless it did not change it, or the item is already 已整改待验收 or 已销号 (acceptance and
/// closing stay the office's). None: the item is left alone.
pub fn item_after(line: &LineOutcome<'_>, status: RectStatus) -> Option<RectStatus> {
    if !line.status_changed() {
        return None;
    }
    let reported = RectStatus::parse(line.status)?;
    if !RectStatus::BRANCH_SETTABLE.contains(&reported)
        || matches!(status, RectStatus::Closed | RectStatus::AwaitingAcceptance)
        || status == reported
    {
        return None;
    }
    Some(reported)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap()
    }

    #[test]
    fn compliance_around_the_due_day() {
        let due = d(25);
        assert_eq!(Compliance::of(None, due, d(24)), Compliance::Pending);
        assert_eq!(Compliance::of(None, due, due), Compliance::Pending);
        assert_eq!(Compliance::of(None, due, d(26)), Compliance::Missing);
        let draft = Filed {
            submitted: false,
            draft: true,
            late: false,
        };
        assert_eq!(Compliance::of(Some(draft), due, d(26)), Compliance::Missing);
        let returned = Filed {
            submitted: true,
            draft: true,
            late: true,
        };
        assert_eq!(
            Compliance::of(Some(returned), due, d(26)),
            Compliance::Returned { late: true }
        );
    }

    #[test]
    fn only_branches_not_submitted_are_urged() {
        let returned = Compliance::Returned { late: true };
        assert!(Compliance::Missing.awaited() && Compliance::Pending.awaited());
        assert!(!Compliance::OnTime.awaited() && !returned.awaited());
        assert_eq!(returned.count_code(), "late");
        assert_eq!(tally(&[3, 1, 2, 0]), "按时 3 / 迟报 1 / 未报 2 / 待报送 0");
    }

    #[test]
    fn lateness_is_that_of_the_first_submission() {
        let fresh = Filed {
            submitted: false,
            draft: true,
            late: false,
        };
        assert!(!late_on_submit(fresh, d(25), d(25)));
        assert!(late_on_submit(fresh, d(25), d(26)));
        let once_on_time = Filed {
            submitted: true,
            draft: true,
            late: false,
        };
        assert!(!late_on_submit(once_on_time, d(25), d(28)));
    }

    fn line<'a>(status: &'a str, progress: Option<i32>, snap: (&'a str, i32)) -> LineOutcome<'a> {
        LineOutcome {
            status,
            progress,
            snap_status: Some(snap.0),
            snap_progress: Some(snap.1),
        }
    }

    #[test]
    fn only_what_the_report_changed_flows_back_to_a_measure() {
        use MeasureStatus::*;
        // Progress changed in the report, status left alone: the register's newer status stays.
        let l = line("in_progress", Some(60), ("in_progress", 40));
        assert_eq!(measure_after(&l, Completed, 50), Some((Completed, 60)));
        // Nothing changed in the report: nothing flows back.
        let l = line("in_progress", Some(40), ("in_progress", 40));
        assert_eq!(measure_after(&l, NotStarted, 0), None);
        // A closed measure is never touched.
        let l = line("completed", Some(100), ("in_progress", 40));
        assert_eq!(measure_after(&l, Closed, 90), None);
        // Progress is clamped.
        let l = line("in_progress", Some(140), ("in_progress", 40));
        assert_eq!(measure_after(&l, InProgress, 40), Some((InProgress, 100)));
    }

    #[test]
    fn items_take_the_branch_status_unless_awaiting_acceptance_or_closed() {
        use RectStatus::*;
        let l = line("partial", None, ("in_progress", 0));
        assert_eq!(item_after(&l, InProgress), Some(Partial));
        assert_eq!(item_after(&l, AwaitingAcceptance), None);
        assert_eq!(item_after(&l, Closed), None);
        let same = line("in_progress", None, ("in_progress", 0));
        assert_eq!(item_after(&same, NotStarted), None);
    }
}
