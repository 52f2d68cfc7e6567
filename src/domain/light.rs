//! Deadline lights (DESIGN.md 2b): green, yellow when due within the campaign's window
//! (default 7 days), red when overdue; none once the work is done.

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
}
