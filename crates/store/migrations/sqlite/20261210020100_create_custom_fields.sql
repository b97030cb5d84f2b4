-- Custom fields on incidents (issue 15): their definitions. kind is text, select or
-- multi_select; options a JSON list of the choices of a select.
CREATE TABLE custom_fields (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    kind TEXT NOT NULL,
    options TEXT NOT NULL,
    required BIGINT NOT NULL,
    position BIGINT NOT NULL,
    archived BIGINT NOT NULL
);

-- Each incident's values: a row a value (a multi-select has several). The list filters by
-- field and value (`cf.region=eu`).
CREATE TABLE incident_field_values (
    incident_id BIGINT NOT NULL REFERENCES incidents(id),
    field TEXT NOT NULL REFERENCES custom_fields(key),
    value TEXT NOT NULL,
    PRIMARY KEY (incident_id, field, value)
);
CREATE INDEX incident_field_values_field ON incident_field_values (field, value, incident_id);
