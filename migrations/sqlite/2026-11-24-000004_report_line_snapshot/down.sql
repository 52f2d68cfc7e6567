ALTER TABLE report_lines DROP COLUMN snap_status;
ALTER TABLE report_lines DROP COLUMN snap_progress;
