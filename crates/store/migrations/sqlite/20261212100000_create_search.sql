-- Full-text search over incidents, timeline events, postmortems and action items: one FTS5
-- table of documents, kept in step with its sources by triggers (so a write and its index
-- entry commit together) and back-filled from the rows already there. A document's rowid is
-- its source's id times four plus its kind (0 incident, 1 timeline event, 2 postmortem, keyed
-- by its incident, 3 action item), so a trigger finds it without a scan. Timeline events are
-- indexed when people or alerts wrote them (notes, comms, alerts, changes, chat): the events
-- Debrief writes repeat what is indexed already (a declaration, an action item) or say little.
CREATE VIRTUAL TABLE search_docs USING fts5(
    title,
    body,
    kind UNINDEXED,
    incident_id UNINDEXED,
    item_id UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
SELECT id * 4, title, COALESCE(summary, ''), 'incident', id, id FROM incidents;
INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
SELECT id * 4 + 1, '', body, 'timeline', incident_id, id FROM timeline_events
WHERE body <> '' AND kind IN ('alert', 'comms_internal', 'comms_external', 'status_page_update', 'remediation', 'change', 'note', 'chat');
INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
SELECT incident_id * 4 + 2, '',
       customer_summary || char(10) || COALESCE((SELECT group_concat(json_extract(s.value, '$.body'), char(10))
                                                 FROM json_each(postmortems.sections) s), ''),
       'postmortem', incident_id, incident_id
FROM postmortems;
INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
SELECT id * 4 + 3, title, description, 'action_item', incident_id, id FROM action_items;

CREATE TRIGGER search_incident_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.id * 4, NEW.title, COALESCE(NEW.summary, ''), 'incident', NEW.id, NEW.id);
END;
CREATE TRIGGER search_incident_update AFTER UPDATE OF title, summary ON incidents
WHEN OLD.title IS NOT NEW.title OR OLD.summary IS NOT NEW.summary BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4;
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.id * 4, NEW.title, COALESCE(NEW.summary, ''), 'incident', NEW.id, NEW.id);
END;
CREATE TRIGGER search_incident_delete AFTER DELETE ON incidents BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4;
END;

CREATE TRIGGER search_event_insert AFTER INSERT ON timeline_events
WHEN NEW.body <> '' AND NEW.kind IN ('alert', 'comms_internal', 'comms_external', 'status_page_update', 'remediation', 'change', 'note', 'chat') BEGIN
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.id * 4 + 1, '', NEW.body, 'timeline', NEW.incident_id, NEW.id);
END;
CREATE TRIGGER search_event_update AFTER UPDATE OF body ON timeline_events
WHEN OLD.body IS NOT NEW.body BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4 + 1;
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    SELECT NEW.id * 4 + 1, '', NEW.body, 'timeline', NEW.incident_id, NEW.id
    WHERE NEW.body <> '' AND NEW.kind IN ('alert', 'comms_internal', 'comms_external', 'status_page_update', 'remediation', 'change', 'note', 'chat');
END;
CREATE TRIGGER search_event_delete AFTER DELETE ON timeline_events BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4 + 1;
END;

CREATE TRIGGER search_postmortem_insert AFTER INSERT ON postmortems BEGIN
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.incident_id * 4 + 2, '',
            NEW.customer_summary || char(10) || COALESCE((SELECT group_concat(json_extract(s.value, '$.body'), char(10))
                                                          FROM json_each(NEW.sections) s), ''),
            'postmortem', NEW.incident_id, NEW.incident_id);
END;
CREATE TRIGGER search_postmortem_update AFTER UPDATE OF sections, customer_summary ON postmortems
WHEN OLD.sections IS NOT NEW.sections OR OLD.customer_summary IS NOT NEW.customer_summary BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.incident_id * 4 + 2;
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.incident_id * 4 + 2, '',
            NEW.customer_summary || char(10) || COALESCE((SELECT group_concat(json_extract(s.value, '$.body'), char(10))
                                                          FROM json_each(NEW.sections) s), ''),
            'postmortem', NEW.incident_id, NEW.incident_id);
END;
CREATE TRIGGER search_postmortem_delete AFTER DELETE ON postmortems BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.incident_id * 4 + 2;
END;

CREATE TRIGGER search_item_insert AFTER INSERT ON action_items BEGIN
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.id * 4 + 3, NEW.title, NEW.description, 'action_item', NEW.incident_id, NEW.id);
END;
CREATE TRIGGER search_item_update AFTER UPDATE OF title, description, incident_id ON action_items
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
     OR OLD.incident_id IS NOT NEW.incident_id BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4 + 3;
    INSERT INTO search_docs (rowid, title, body, kind, incident_id, item_id)
    VALUES (NEW.id * 4 + 3, NEW.title, NEW.description, 'action_item', NEW.incident_id, NEW.id);
END;
CREATE TRIGGER search_item_delete AFTER DELETE ON action_items BEGIN
    DELETE FROM search_docs WHERE rowid = OLD.id * 4 + 3;
END;
