DROP TABLE assessment_lines;
DROP TABLE assessment_scores;
DROP TABLE assessment_indicators;
DROP TABLE assessment_schemes;
