-- Free-text search (issue 14): trigram GIN indexes on exactly the expressions the lists'
-- `LIKE '%…%'` filters use (measures and items compare `lower(column)`, feedback the column),
-- so the planner can serve those LIKEs from an index with no change to the queries.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX measures_title_trgm ON measures USING gin (lower(title) gin_trgm_ops);
CREATE INDEX measures_content_trgm ON measures USING gin (lower(content) gin_trgm_ops);
CREATE INDEX measures_indicator_trgm ON measures USING gin (lower(indicator) gin_trgm_ops);
CREATE INDEX rect_items_problem_trgm ON rect_items USING gin (lower(problem) gin_trgm_ops);
CREATE INDEX rect_items_measure_trgm ON rect_items USING gin (lower(measure) gin_trgm_ops);
CREATE INDEX rect_items_source_trgm ON rect_items USING gin (lower(source) gin_trgm_ops);
CREATE INDEX rect_items_responsible_trgm ON rect_items USING gin (lower(responsible) gin_trgm_ops);
CREATE INDEX feedback_items_content_trgm ON feedback_items USING gin (content gin_trgm_ops);
CREATE INDEX feedback_items_name_trgm ON feedback_items USING gin (name gin_trgm_ops);
