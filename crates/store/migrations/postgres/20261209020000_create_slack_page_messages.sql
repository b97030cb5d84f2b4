-- Slack (issue 13): the DMs that told people of pages, so their buttons can be replaced when
-- the page is acknowledged or resolved (by the button, the web, a link, the API or the alert's
-- sender). One row per notification sent by Slack; `shown` is the page status the message
-- shows now ('open', 'acknowledged', 'resolved').
CREATE TABLE slack_page_messages (
    notification_id BIGINT PRIMARY KEY REFERENCES page_notifications(id),
    page_id BIGINT NOT NULL REFERENCES pages(id),
    channel_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    shown TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX slack_page_messages_page ON slack_page_messages (page_id);
