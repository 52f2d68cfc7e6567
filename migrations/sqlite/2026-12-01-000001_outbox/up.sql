-- Messages for the outgoing hook (issue 9): a change queues its messages in its own
-- transaction, one row per channel; a background task sends them, retries with back-off and
-- records the outcome. Nothing goes out for a rolled-back change, nothing is lost when the
-- process dies after the commit.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    -- 'webhook' or 'mail' (where it goes is read from the settings when it is sent).
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Not before this time (the back-off after a failed attempt).
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- A sender holds the row until then; another instance may take it afterwards.
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    -- Given up after too many attempts (the row stays, with its last error).
    failed_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_due_idx ON outbox(next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
