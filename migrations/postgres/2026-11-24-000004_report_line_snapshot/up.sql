-- What the register said when the line was made: flow-back writes only what the report changed.
ALTER TABLE report_lines ADD COLUMN snap_progress INTEGER;
ALTER TABLE report_lines ADD COLUMN snap_status TEXT;
