-- pg_trgm stays installed: it may have been there before, and other objects may use it.

DROP INDEX measures_title_trgm;
DROP INDEX measures_content_trgm;
DROP INDEX measures_indicator_trgm;
DROP INDEX rect_items_problem_trgm;
DROP INDEX rect_items_measure_trgm;
DROP INDEX rect_items_source_trgm;
DROP INDEX rect_items_responsible_trgm;
DROP INDEX feedback_items_content_trgm;
DROP INDEX feedback_items_name_trgm;
