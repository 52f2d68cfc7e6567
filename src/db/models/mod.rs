//! Rows and queries, one module per area. Functions take `&mut DbConn` and return
//! `QueryResult<T>`; they never know about HTTP.

pub mod activities;
pub mod assessment;
pub mod assessment_scores;
pub mod attachments;
pub mod audit;
pub mod brands;
pub mod briefing;
pub mod campaigns;
pub mod coverage;
pub mod feedback;
pub mod history;
pub mod incentives;
pub mod library;
pub mod measures;
pub mod notices;
pub mod outbox;
pub mod rect;
pub mod reports;
pub mod reviews;
pub mod roster;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod taskforce;
pub mod throttle;
pub mod topics;
pub mod units;
pub mod users;

/// The years that have a record, newest first, with `this_year` always among them (a list's
/// year picker). `span`: the first and last date; `any_in(from, to)`: whether a record is
/// dated in that range. One indexed probe per year between the two ends, instead of reading
/// every distinct date (issue 14: that read grew with the group).
pub(crate) fn years_present(
    this_year: i32,
    span: (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    mut any_in: impl FnMut(chrono::NaiveDate, chrono::NaiveDate) -> diesel::QueryResult<bool>,
) -> diesel::QueryResult<Vec<i32>> {
    use chrono::{Datelike, NaiveDate};
    let mut years = vec![this_year];
    if let (Some(first), Some(last)) = span {
        for y in first.year()..=last.year() {
            let (Some(from), Some(to)) = (
                NaiveDate::from_ymd_opt(y, 1, 1),
                NaiveDate::from_ymd_opt(y, 12, 31),
            ) else {
                continue;
            };
            if y == first.year() || y == last.year() || any_in(from, to)? {
                years.push(y);
            }
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

#[cfg(test)]
mod tests {
    use super::years_present;
    use chrono::{Datelike, NaiveDate};

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn years_present_are_the_ends_and_the_years_between_that_have_records() {
        let mut asked = Vec::new();
        let ys = years_present(2026, (d(2021, 3, 1), d(2024, 12, 31)), |from, to| {
            assert_eq!(
                (from.month(), from.day(), to.month(), to.day()),
                (1, 1, 12, 31)
            );
            asked.push(from.year());
            Ok(from.year() == 2023)
        })
        .expect("years");
        assert_eq!(ys, vec![2026, 2024, 2023, 2021]);
        assert_eq!(asked, vec![2022, 2023]);
        // No records: this year alone.
        assert_eq!(
            years_present(2026, (None, None), |_, _| Ok(true)).expect("y"),
            vec![2026]
        );
    }
}
