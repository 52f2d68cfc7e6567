//! Page numbers for lists: `?page=N`, a fixed page size, and the links the template draws.

#[derive(Clone, Debug)]
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    /// Query string of the current filters (without `page`), for the page links.
    pub query: String,
}

impl Paging {
    pub const PER_PAGE: i64 = 20;

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
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
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
    }
}
