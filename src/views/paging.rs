//! Page numbers for lists: `?page=N`, a fixed page size, and the links the template draws.
//! A list's print view (`?print=1`, see `PageCtx::print_view`) is one page of every matching
//! row, up to [`Paging::PRINT_LIMIT`].

#[derive(Clone, Debug)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// Query string of the current filters (without `page`), for the page links.
    pub query: String,
    /// The print view: every row up to `PRINT_LIMIT`, no page links.
    pub print: bool,
}

impl Paging {
    pub const PER_PAGE: i64 = 20;
    /// The most rows a print view shows; past it the page says so (keeps one request from
    /// rendering a whole table).
    pub const PRINT_LIMIT: i64 = 5_000;

    /// Page from the raw `page` parameter; anything odd means page 1.
    pub fn new(raw_page: Option<&str>, per_page: i64) -> Self {
        let page = raw_page
            .and_then(|p| p.trim().parse::<i64>().ok())
            .filter(|p| *p >= 1 && *p <= 1_000_000)
            .unwrap_or(1);
        Paging {
            page,
            per_page,
            total: 0,
            query: String::new(),
            print: false,
        }
    }

    /// For the print view: page 1 of every row (up to `PRINT_LIMIT`).
    pub fn printing(mut self, print: bool) -> Self {
        if print {
            self.print = true;
            self.page = 1;
            self.per_page = Self::PRINT_LIMIT;
        }
        self
    }

    /// Which page this is, for what a list keeps (`AppState::list_page`).
    pub fn at(&self) -> crate::state::PageAt {
        crate::state::PageAt {
            page: self.page,
            per_page: self.per_page,
            print: self.print,
        }
    }

    /// The print view failed to show every row.
    pub fn capped(&self) -> bool {
        self.print && self.total > self.per_page
    }

    /// The print view of this list with its filters.
    pub fn print_link(&self) -> String {
        print_link(&self.query)
    }

    pub fn offset(&self) -> i64 {
        self.at().offset()
    }

    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// Link to page `n` keeping the filters.
    pub fn link(&self, n: i64) -> String {
        if self.query.is_empty() {
            format!("?page={n}")
        } else {
            format!("?{}&page={n}", self.query)
        }
    }

    pub fn prev_link(&self) -> String {
        self.link(self.page - 1)
    }

    pub fn next_link(&self) -> String {
        self.link(self.page + 1)
    }
}

/// The print view of a list whose filters are `query` (without `page`).
pub fn print_link(query: &str) -> String {
    if query.is_empty() {
        "?print=1".to_string()
    } else {
        format!("?{query}&print=1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_links() {
        let mut p = Paging::new(Some("2"), 20);
        p.total = 41;
        assert_eq!(p.offset(), 20);
        assert_eq!(p.pages(), 3);
        assert!(p.has_prev() && p.has_next());
        p.query = "q=a".into();
        assert_eq!(p.next_link(), "?q=a&page=3");
        for bad in ["0", "-1", "x", "99999999999"] {
            assert_eq!(Paging::new(Some(bad), 20).page, 1);
        }
        let mut empty = Paging::new(None, 20);
        empty.total = 0;
        assert_eq!(empty.pages(), 1);
        assert!(!empty.has_next());
        let mut all = Paging::new(Some("3"), 20).printing(true);
        all.total = 121;
        all.query = "status=open".into();
        assert_eq!((all.page, all.offset(), all.pages()), (1, 0, 1));
        assert!(!all.capped() && !all.has_next());
        assert_eq!(all.print_link(), "?status=open&print=1");
        all.total = Paging::PRINT_LIMIT + 1;
        assert!(all.capped());
        assert_eq!(Paging::new(Some("3"), 20).printing(false).page, 3);
    }
}
