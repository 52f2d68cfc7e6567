//! /activities (issue 11): tests filled in by its own change.
