-- Full-text search over incidents, timeline events, postmortems and action items: one table of
-- documents with a weighted tsvector (title A, body B; 'english') under a GIN index, kept in
-- step with its sources by triggers (so a write and its index entry commit together) and
-- back-filled from the rows already there. A document's id is its source's id times four plus
-- its kind (0 incident, 1 timeline event, 2 postmortem, keyed by its incident, 3 action item).
-- Timeline events are indexed when people or alerts wrote them (notes, comms, alerts, changes,
-- chat): the events Debrief writes repeat what is indexed already or say little.
CREATE TABLE search_docs (
    doc_id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    incident_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, body), 'B')
    ) STORED
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
CREATE INDEX search_docs_incident ON search_docs (incident_id);

CREATE FUNCTION search_postmortem_text(customer_summary TEXT, sections TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT customer_summary || E'\n' || COALESCE(
        (SELECT string_agg(s->>'body', E'\n') FROM json_array_elements(sections::json) s), '')
$$;

INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
SELECT id * 4, 'incident', id, id, title, COALESCE(summary, '') FROM incidents;
INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
SELECT id * 4 + 1, 'timeline', incident_id, id, '', body FROM timeline_events
WHERE body <> '' AND kind IN ('alert', 'comms_internal', 'comms_external', 'status_page_update', 'remediation', 'change', 'note', 'chat');
INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
SELECT incident_id * 4 + 2, 'postmortem', incident_id, incident_id, '',
       search_postmortem_text(customer_summary, sections)
FROM postmortems;
INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
SELECT id * 4 + 3, 'action_item', incident_id, id, title, description FROM action_items;

-- One function per source table: a row's document is deleted, then written again when it has
-- text (a timeline event without text has none).
CREATE FUNCTION search_incident_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_docs WHERE doc_id = OLD.id * 4;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
        VALUES (NEW.id * 4, 'incident', NEW.id, NEW.id, NEW.title, COALESCE(NEW.summary, ''));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_incident_insert AFTER INSERT OR DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION search_incident_sync();
CREATE TRIGGER search_incident_update AFTER UPDATE OF title, summary ON incidents
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.summary IS DISTINCT FROM NEW.summary)
EXECUTE FUNCTION search_incident_sync();

CREATE FUNCTION search_event_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_docs WHERE doc_id = OLD.id * 4 + 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.body <> ''
       AND NEW.kind IN ('alert', 'comms_internal', 'comms_external', 'status_page_update', 'remediation', 'change', 'note', 'chat') THEN
        INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
        VALUES (NEW.id * 4 + 1, 'timeline', NEW.incident_id, NEW.id, '', NEW.body);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_event_insert AFTER INSERT OR DELETE ON timeline_events
FOR EACH ROW EXECUTE FUNCTION search_event_sync();
CREATE TRIGGER search_event_update AFTER UPDATE OF body ON timeline_events
FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION search_event_sync();

CREATE FUNCTION search_postmortem_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_docs WHERE doc_id = OLD.incident_id * 4 + 2;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
        VALUES (NEW.incident_id * 4 + 2, 'postmortem', NEW.incident_id, NEW.incident_id, '',
                search_postmortem_text(NEW.customer_summary, NEW.sections));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_postmortem_insert AFTER INSERT OR DELETE ON postmortems
FOR EACH ROW EXECUTE FUNCTION search_postmortem_sync();
CREATE TRIGGER search_postmortem_update AFTER UPDATE OF sections, customer_summary ON postmortems
FOR EACH ROW WHEN (OLD.sections IS DISTINCT FROM NEW.sections
                   OR OLD.customer_summary IS DISTINCT FROM NEW.customer_summary)
EXECUTE FUNCTION search_postmortem_sync();

CREATE FUNCTION search_item_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_docs WHERE doc_id = OLD.id * 4 + 3;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_docs (doc_id, kind, incident_id, item_id, title, body)
        VALUES (NEW.id * 4 + 3, 'action_item', NEW.incident_id, NEW.id, NEW.title, NEW.description);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_item_insert AFTER INSERT OR DELETE ON action_items
FOR EACH ROW EXECUTE FUNCTION search_item_sync();
CREATE TRIGGER search_item_update AFTER UPDATE OF title, description, incident_id ON action_items
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.description IS DISTINCT FROM NEW.description
                   OR OLD.incident_id IS DISTINCT FROM NEW.incident_id)
EXECUTE FUNCTION search_item_sync();
