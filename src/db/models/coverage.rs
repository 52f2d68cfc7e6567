//! coverage (issue 11): rows and queries, filled in by its own change.
