-- The 第一议题 list counts and pages a year of meetings (meeting_date BETWEEN …), and its year
-- picker asks for the first and last date: an index on the date answers both.
CREATE INDEX first_topics_date_idx ON first_topics(meeting_date);
