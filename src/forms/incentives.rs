//! incentives forms (issue 12): filled in by its own change.
