-- Free-text search (issue 14): trigram indexes under the lists' `LIKE '%…%'` filters.
-- External-content FTS5 tables (the text stays in its table; the index holds trigrams and
-- rowids = ids), kept current by the triggers below and filled for the rows already there.
-- The lists still check their LIKE conditions, so results do not change: a query of three or
-- more characters is first narrowed to `id IN (SELECT rowid FROM <table>_fts WHERE … MATCH
-- '"…"')` (src/db/search.rs); shorter ones have no trigram and scan as before.

CREATE VIRTUAL TABLE measures_fts USING fts5(
    title, content, indicator,
    content='measures', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER measures_fts_ai AFTER INSERT ON measures BEGIN
    INSERT INTO measures_fts(rowid, title, content, indicator) VALUES (new.id, new.title, new.content, new.indicator);
END;
CREATE TRIGGER measures_fts_ad AFTER DELETE ON measures BEGIN
    INSERT INTO measures_fts(measures_fts, rowid, title, content, indicator) VALUES ('delete', old.id, old.title, old.content, old.indicator);
END;
CREATE TRIGGER measures_fts_au AFTER UPDATE OF title, content, indicator ON measures
WHEN old.title IS NOT new.title OR old.content IS NOT new.content OR old.indicator IS NOT new.indicator
BEGIN
    INSERT INTO measures_fts(measures_fts, rowid, title, content, indicator) VALUES ('delete', old.id, old.title, old.content, old.indicator);
    INSERT INTO measures_fts(rowid, title, content, indicator) VALUES (new.id, new.title, new.content, new.indicator);
END;
INSERT INTO measures_fts(measures_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE rect_items_fts USING fts5(
    problem, measure, source, responsible,
    content='rect_items', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER rect_items_fts_ai AFTER INSERT ON rect_items BEGIN
    INSERT INTO rect_items_fts(rowid, problem, measure, source, responsible) VALUES (new.id, new.problem, new.measure, new.source, new.responsible);
END;
CREATE TRIGGER rect_items_fts_ad AFTER DELETE ON rect_items BEGIN
    INSERT INTO rect_items_fts(rect_items_fts, rowid, problem, measure, source, responsible) VALUES ('delete', old.id, old.problem, old.measure, old.source, old.responsible);
END;
CREATE TRIGGER rect_items_fts_au AFTER UPDATE OF problem, measure, source, responsible ON rect_items
WHEN old.problem IS NOT new.problem OR old.measure IS NOT new.measure OR old.source IS NOT new.source OR old.responsible IS NOT new.responsible
BEGIN
    INSERT INTO rect_items_fts(rect_items_fts, rowid, problem, measure, source, responsible) VALUES ('delete', old.id, old.problem, old.measure, old.source, old.responsible);
    INSERT INTO rect_items_fts(rowid, problem, measure, source, responsible) VALUES (new.id, new.problem, new.measure, new.source, new.responsible);
END;
INSERT INTO rect_items_fts(rect_items_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE feedback_items_fts USING fts5(
    content, name, code,
    content='feedback_items', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER feedback_items_fts_ai AFTER INSERT ON feedback_items BEGIN
    INSERT INTO feedback_items_fts(rowid, content, name, code) VALUES (new.id, new.content, new.name, new.code);
END;
CREATE TRIGGER feedback_items_fts_ad AFTER DELETE ON feedback_items BEGIN
    INSERT INTO feedback_items_fts(feedback_items_fts, rowid, content, name, code) VALUES ('delete', old.id, old.content, old.name, old.code);
END;
CREATE TRIGGER feedback_items_fts_au AFTER UPDATE OF content, name, code ON feedback_items
WHEN old.content IS NOT new.content OR old.name IS NOT new.name OR old.code IS NOT new.code
BEGIN
    INSERT INTO feedback_items_fts(feedback_items_fts, rowid, content, name, code) VALUES ('delete', old.id, old.content, old.name, old.code);
    INSERT INTO feedback_items_fts(rowid, content, name, code) VALUES (new.id, new.content, new.name, new.code);
END;
INSERT INTO feedback_items_fts(feedback_items_fts) VALUES ('rebuild');
