//! Paged lists read in two steps (issue 14): first the page's ids, ordered and limited by the
//! list's own filter, then the page's rows by id. Sorting a whole campaign's rows for one page
//! made the database copy every wide row (texts, units, table titles) into its sorter; the ids
//! step carries only the sort keys, and the second step reads 50 rows.
//!
//! Only for a list whose order no index gives (the rectification items, by unit path, table
//! and seq). Where an index gives the order (measures by deadline), one query stops after the
//! page and is cheaper: an ids-only query there let SQLite pick a covering index and sort the
//! whole campaign instead.
//!
//! Where the order is dearer than the rows (the rectification items, the roster), the list's
//! ordered ids are kept until the next write (`AppState::known` / `kept_or_read`) and a view
//! reads only its page's rows ([`page_of`], [`in_order`]).

use std::collections::HashMap;

/// `rows` in the order of `ids` (the page's ids in list order); a row whose id is not among
/// them is left out.
pub fn in_order<R>(ids: &[i32], rows: Vec<R>, id: impl Fn(&R) -> i32) -> Vec<R> {
    let mut by_id: HashMap<i32, R> = rows.into_iter().map(|r| (id(&r), r)).collect();
    ids.iter().filter_map(|i| by_id.remove(i)).collect()
}

/// The ids of one page (`offset`, `limit`) of a list whose ordered ids are kept.
pub fn page_of(ids: &[i32], offset: i64, limit: i64) -> Vec<i32> {
    let from = usize::try_from(offset).unwrap_or(0).min(ids.len());
    let to = from
        .saturating_add(usize::try_from(limit).unwrap_or(0))
        .min(ids.len());
    ids[from..to].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_in_the_order_of_the_ids() {
        let rows = vec![(3, "c"), (1, "a"), (7, "x"), (2, "b")];
        let page = in_order(&[2, 3, 1, 9], rows, |r| r.0);
        assert_eq!(page, vec![(2, "b"), (3, "c"), (1, "a")]);
        assert!(in_order(&[], vec![(1, "a")], |r| r.0).is_empty());
    }

    #[test]
    fn a_page_of_kept_ids() {
        let ids = [5, 4, 3, 2, 1];
        assert_eq!(page_of(&ids, 0, 2), vec![5, 4]);
        assert_eq!(page_of(&ids, 4, 2), vec![1]);
        assert!(page_of(&ids, 9, 2).is_empty());
        assert!(page_of(&ids, -3, 0).is_empty());
    }
}
