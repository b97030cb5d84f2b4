-- Maintenance can be changed after scheduling (updates, early completion, a new window,
-- cancellation) by operators while its time jobs also move it: every write is checked against
-- the version it was decided on, so none is lost. Cancelled maintenance keeps its row (status
-- 'cancelled') for admins; it leaves the public page.
ALTER TABLE maintenances ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
