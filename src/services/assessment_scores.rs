//! assessment_scores (issue 12): filled in by its own change.
