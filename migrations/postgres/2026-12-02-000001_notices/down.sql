DROP TABLE report_reminders;
DROP TABLE notices;
