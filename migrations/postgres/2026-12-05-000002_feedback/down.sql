DROP TABLE feedback_items;
