DROP TABLE reminders_sent;
DROP TABLE review_events;
DROP TABLE first_topics;
DROP TABLE report_lines;
DROP TABLE monthly_reports;
