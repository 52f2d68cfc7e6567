//! feedback (issue 12): tests filled in by its own change.
