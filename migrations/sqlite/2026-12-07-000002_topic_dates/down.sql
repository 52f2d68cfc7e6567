DROP INDEX first_topics_date_idx;
