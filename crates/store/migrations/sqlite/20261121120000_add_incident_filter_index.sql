-- The incident list filters by status and severity and pages newest first: one index serves
-- the common "open SEV2 incidents" query without scanning older ones.
CREATE INDEX incidents_status_severity_id ON incidents (status, severity, id);
