DROP TABLE referrals;
DROP TABLE series_issues;
DROP TABLE report_series;
DROP TABLE incentives;
