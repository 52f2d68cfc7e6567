//! Deadline lights (DESIGN.md 2b): green, yellow when due within the campaign's window
//! (default 7 days), red when overdue; none once the work is done.
//!
//! [`Signal::of`] is the one place that turns a status and a deadline into what a page shows
//! (the light's colour and its word): every measure, rectification item and report line goes
//! through it, so the light never says something the status word does not.

use chrono::{Duration, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Light {
    Green,
    Yellow,
    Red,
    /// Finished (or waiting for acceptance): no light.
    Done,
}

impl Light {
    /// Light of open work due on `deadline`, seen on `today`. Due today is still yellow;
    /// overdue starts the day after.
    pub fn of(deadline: NaiveDate, today: NaiveDate, yellow_days: i32, open: bool) -> Light {
        if !open {
            Light::Done
        } else if deadline < today {
            Light::Red
        } else if deadline <= today + Duration::days(i64::from(yellow_days.max(0))) {
            Light::Yellow
        } else {
            Light::Green
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
            Light::Done => "done",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Light::Green => "正常",
            Light::Yellow => "临期",
            Light::Red => "逾期",
            Light::Done => "已完成",
        }
    }

    pub fn parse(code: &str) -> Option<Light> {
        [Light::Green, Light::Yellow, Light::Red, Light::Done]
            .into_iter()
            .find(|l| l.code() == code)
    }

    /// The deadline range an open item must fall in to show this light on `today`
    /// (inclusive bounds; `None` = unbounded), for filtering in SQL.
    pub fn deadline_range(
        self,
        today: NaiveDate,
        yellow_days: i32,
    ) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let yellow_end = today + Duration::days(i64::from(yellow_days.max(0)));
        match self {
            Light::Red => (None, Some(today - Duration::days(1))),
            Light::Yellow => (Some(today), Some(yellow_end)),
            Light::Green => (Some(yellow_end + Duration::days(1)), None),
            Light::Done => (None, None),
        }
    }
}

/// Open work counted by deadline, as (red, yellow, green) seen on `today`: the home page's
/// lights from one grouped query instead of one count per light.
pub fn tally(
    by_deadline: impl IntoIterator<Item = (NaiveDate, i64)>,
    today: NaiveDate,
    yellow_days: i32,
) -> (i64, i64, i64) {
    let mut out = (0, 0, 0);
    for (deadline, n) in by_deadline {
        match Light::of(deadline, today, yellow_days, true) {
            Light::Red => out.0 += n,
            Light::Yellow => out.1 += n,
            _ => out.2 += n,
        }
    }
    out
}

/// Where a piece of work stands, as far as its light is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Still being worked on: the deadline light runs.
    Open,
    /// Done by the unit, waiting for someone to accept it: no deadline light, not finished.
    Awaiting,
    /// Finished (completed, closed, accepted): no light.
    Finished,
}

/// A status vocabulary that has lights (measures, rectification items).
pub trait Work: Copy {
    fn stage(self) -> Stage;
    /// The status word the pages show.
    fn word(self) -> &'static str;
}

/// What a page shows for a piece of work: the light (for filters and counts), the CSS code
/// of its colour and the word next to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Signal {
    pub light: Light,
    /// `green`, `yellow`, `red`, `awaiting` or `done` (the `light-…` class).
    pub code: &'static str,
    /// 正常 / 临期 / 逾期 while open; 待验收 while awaiting acceptance; the status word
    /// (已完成, 已关闭, 已销号) once finished.
    pub label: &'static str,
}

/// The word of the awaiting-acceptance light.
pub const AWAITING: &str = "待验收";

impl Signal {
    /// The one rule: open work shows its deadline light; work waiting for acceptance shows
    /// 待验收 (never 已完成); finished work shows its status word on a grey light.
    pub fn of<W: Work>(
        status: W,
        deadline: NaiveDate,
        today: NaiveDate,
        yellow_days: i32,
    ) -> Signal {
        match status.stage() {
            Stage::Open => {
                let light = Light::of(deadline, today, yellow_days, true);
                Signal {
                    light,
                    code: light.code(),
                    label: light.label(),
                }
            }
            Stage::Awaiting => Signal {
                light: Light::Done,
                code: "awaiting",
                label: AWAITING,
            },
            Stage::Finished => Signal {
                light: Light::Done,
                code: Light::Done.code(),
                label: status.word(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn boundaries() {
        let today = d("2026-11-24");
        assert_eq!(Light::of(d("2026-11-23"), today, 7, true), Light::Red);
        assert_eq!(Light::of(d("2026-11-24"), today, 7, true), Light::Yellow);
        assert_eq!(Light::of(d("2026-12-01"), today, 7, true), Light::Yellow);
        assert_eq!(Light::of(d("2026-12-02"), today, 7, true), Light::Green);
        assert_eq!(Light::of(d("2020-01-01"), today, 7, false), Light::Done);
        assert_eq!(Light::of(d("2026-11-25"), today, 0, true), Light::Green);
        assert_eq!(Light::of(d("2026-11-24"), today, 0, true), Light::Yellow);
    }

    #[test]
    fn ranges_agree_with_lights() {
        let today = d("2026-11-24");
        for offset in -10..20 {
            let deadline = today + Duration::days(offset);
            let light = Light::of(deadline, today, 7, true);
            for candidate in [Light::Green, Light::Yellow, Light::Red] {
                let (from, to) = candidate.deadline_range(today, 7);
                let inside = from.is_none_or(|f| deadline >= f) && to.is_none_or(|t| deadline <= t);
                assert_eq!(inside, candidate == light, "{deadline} {candidate:?}");
            }
        }
    }

    #[test]
    fn tally_counts_each_deadline_under_its_light() {
        let today = d("2026-11-24");
        let rows = [
            (d("2026-11-01"), 3),
            (d("2026-11-23"), 1),
            (d("2026-11-24"), 2),
            (d("2026-12-01"), 4),
            (d("2026-12-02"), 5),
            (d("2027-06-30"), 6),
        ];
        assert_eq!(tally(rows, today, 7), (4, 6, 11));
        assert_eq!(tally(rows, today, 0), (4, 2, 15));
        assert_eq!(tally([], today, 7), (0, 0, 0));
    }

    #[derive(Clone, Copy)]
    struct S(Stage, &'static str);
    impl Work for S {
        fn stage(self) -> Stage {
            self.0
        }
        fn word(self) -> &'static str {
            self.1
        }
    }

    #[test]
    fn signals_follow_the_status() {
        let today = d("2026-11-24");
        let late = d("2026-11-01");
        let open = Signal::of(S(Stage::Open, "整改中"), late, today, 7);
        assert_eq!(
            (open.light, open.code, open.label),
            (Light::Red, "red", "逾期")
        );
        let waiting = Signal::of(S(Stage::Awaiting, "已整改待验收"), late, today, 7);
        assert_eq!((waiting.code, waiting.label), ("awaiting", "待验收"));
        assert_ne!(waiting.label, "已完成");
        let closed = Signal::of(S(Stage::Finished, "已销号"), late, today, 7);
        assert_eq!(
            (closed.light, closed.code, closed.label),
            (Light::Done, "done", "已销号")
        );
    }
}
