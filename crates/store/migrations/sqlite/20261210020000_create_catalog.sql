-- The catalogue (issue 15): team members, the status page components that show a service,
-- and incident types as a table of their own.

CREATE TABLE team_members (
    team TEXT NOT NULL REFERENCES teams(slug),
    user_id BIGINT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- Which status page components show a service (any page). Proposing components when an
-- incident's status update is published reads it (Store::components_for_services). Filled
-- from the components' own lists of services.
CREATE TABLE service_components (
    service TEXT NOT NULL REFERENCES services(slug),
    component_id BIGINT NOT NULL REFERENCES status_components(id),
    PRIMARY KEY (service, component_id)
);
CREATE INDEX service_components_component ON service_components (component_id);
INSERT INTO service_components (service, component_id)
SELECT DISTINCT l.service, l.component_id FROM (SELECT c.id AS component_id, j.value AS service FROM status_components c, json_each(c.services) j) l
WHERE EXISTS (SELECT 1 FROM services s WHERE s.slug = l.service);

-- Incident types: the built-in slugs and every type incidents already use, so they keep working.
CREATE TABLE incident_types (
    slug TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    archived BIGINT NOT NULL
);
INSERT INTO incident_types (slug, name, description, archived)
SELECT t.slug, upper(substr(t.slug, 1, 1)) || replace(replace(substr(t.slug, 2), '_', ' '), '-', ' '), '', 0
FROM (
    SELECT 'default' AS slug UNION SELECT 'failed_deployment' UNION SELECT 'security_breach'
    UNION SELECT 'data_loss' UNION SELECT 'missed_deadline' UNION SELECT 'minor_problem'
    UNION SELECT 'proactive_maintenance' UNION SELECT 'scheduled_work'
    UNION SELECT DISTINCT incident_type FROM incidents
) t;
