DROP INDEX rect_items_campaign_status_deadline_idx;
CREATE INDEX measures_campaign_status_idx ON measures(campaign_id, status);
DROP INDEX measures_campaign_status_deadline_idx;
