//! Free-text search over measures, rectification items and feedback (issue 14): the one place
//! that decides when a list's `LIKE '%…%'` filter is narrowed by a trigram index first.
//!
//! The lists keep their `LIKE` conditions on both backends, so what a search finds is exactly
//! what it found before; the index only narrows the rows those conditions are checked on.
//! - SQLite: external-content FTS5 tables `<table>_fts` with `tokenize='trigram'` (migration
//!   `2026-12-06-000001_search`, kept current by triggers). A query of at least
//!   [`MIN_INDEXED_CHARS`] characters adds `<table>.id IN (SELECT rowid FROM <table>_fts WHERE
//!   <table>_fts MATCH '"…"')`: the trigram phrase, case-folded, matches every row the `LIKE`
//!   matches (and maybe a few more, which the `LIKE` then drops). A shorter query has no
//!   trigram and scans as before.
//! - PostgreSQL: GIN `gin_trgm_ops` indexes on the very expressions the `LIKE`s use; the planner
//!   picks them on its own, so nothing is added to the query.

use diesel::dsl::sql;
use diesel::sql_types::{Bool, Text};

use super::scope::Condition;
use super::DbConn;

/// A trigram needs three characters: shorter queries (一两个字, common in Chinese) scan.
pub const MIN_INDEXED_CHARS: usize = 3;

/// The tables with a trigram index, by the name of the table searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indexed {
    /// `title`, `content`, `indicator`.
    Measures,
    /// `problem`, `measure`, `source`, `responsible`.
    RectItems,
    /// `content`, `name`, `code`.
    FeedbackItems,
}

impl Indexed {
    /// The searched table (its `id` is the FTS table's rowid).
    pub fn table(self) -> &'static str {
        match self {
            Indexed::Measures => "measures",
            Indexed::RectItems => "rect_items",
            Indexed::FeedbackItems => "feedback_items",
        }
    }

    /// The SQLite FTS5 table over it.
    pub fn fts_table(self) -> &'static str {
        match self {
            Indexed::Measures => "measures_fts",
            Indexed::RectItems => "rect_items_fts",
            Indexed::FeedbackItems => "feedback_items_fts",
        }
    }
}

/// How a list narrows its free-text filter on the connection it runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// SQLite: through the FTS5 trigram tables.
    Fts5,
    /// PostgreSQL: the `LIKE`s alone (its trigram indexes serve them as they are).
    Plain,
}

impl Engine {
    pub fn of(conn: &DbConn) -> Engine {
        match conn {
            DbConn::Sqlite(_) => Engine::Fts5,
            DbConn::Pg(_) => Engine::Plain,
        }
    }

    /// The extra condition for a search for `text` (exactly the text the `LIKE` pattern is
    /// made of, before escaping), or `None` when the `LIKE` alone runs: on PostgreSQL, and
    /// for a query too short for a trigram.
    pub fn narrow<QS>(self, table: Indexed, text: &str) -> Option<Condition<QS>> {
        if self != Engine::Fts5 || !uses_index(text) {
            return None;
        }
        let (t, fts) = (table.table(), table.fts_table());
        Some(Box::new(
            sql::<Bool>(&format!(
                "{t}.id IN (SELECT rowid FROM {fts} WHERE {fts} MATCH "
            ))
            .bind::<Text, _>(phrase(text))
            .sql(")"),
        ))
    }
}

/// Does a search for `text` use the index (on SQLite)?
pub fn uses_index(text: &str) -> bool {
    text.trim().chars().count() >= MIN_INDEXED_CHARS
}

/// `text` as one FTS5 phrase: in double quotes, a double quote doubled. Inside a phrase
/// nothing else is special (`%`, `_`, `*`, `AND`, `-` are text).
pub fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_quote_and_double_quotes() {
        assert_eq!(phrase("整改"), "\"整改\"");
        assert_eq!(phrase("a\"b"), "\"a\"\"b\"");
        assert_eq!(phrase("\"\""), "\"\"\"\"\"\"");
        assert_eq!(phrase("%_* OR x"), "\"%_* OR x\"");
    }

    #[test]
    fn three_characters_use_the_index() {
        assert!(!uses_index("党建"));
        assert!(!uses_index(" ab "));
        assert!(uses_index("党建品"));
        assert!(uses_index("abc"));
        assert!(uses_index("a\"b"));
    }
}
