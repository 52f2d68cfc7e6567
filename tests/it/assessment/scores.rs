//! /assessment score sheets (issue 12): tests filled in by its own change.
