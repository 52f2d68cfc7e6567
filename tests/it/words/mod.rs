//! Words people read: one-way steps ask first, lights say what the status says, the audit log
//! speaks Chinese, error pages keep the navigation, extension requests name their requester.

use crate::helpers::*;

mod lights;
