DROP TRIGGER feedback_items_fts_au;
DROP TRIGGER feedback_items_fts_ad;
DROP TRIGGER feedback_items_fts_ai;
DROP TABLE feedback_items_fts;

DROP TRIGGER rect_items_fts_au;
DROP TRIGGER rect_items_fts_ad;
DROP TRIGGER rect_items_fts_ai;
DROP TABLE rect_items_fts;

DROP TRIGGER measures_fts_au;
DROP TRIGGER measures_fts_ad;
DROP TRIGGER measures_fts_ai;
DROP TABLE measures_fts;
