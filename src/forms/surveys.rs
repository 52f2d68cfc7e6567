//! surveys forms (issue 11): filled in by its own change.
