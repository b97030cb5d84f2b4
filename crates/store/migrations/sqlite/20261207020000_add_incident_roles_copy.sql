-- Each incident keeps a copy of its roles on its row, as JSON ([[role, user id, name, email],
-- ...] by role name), so a page of the incident list reads the incidents alone, in one
-- statement on both databases. incident_roles stays the record the copy is rebuilt from
-- whenever a role changes; a change to a user's name or email must rewrite the copies that
-- hold them.
ALTER TABLE incidents ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
UPDATE incidents SET roles = (
    SELECT json_group_array(json_array(x.role, x.user_id, x.name, x.email))
    FROM (SELECT r.role, r.user_id, u.name, u.email
          FROM incident_roles r JOIN users u ON u.id = r.user_id
          WHERE r.incident_id = incidents.id ORDER BY r.role) x)
WHERE id IN (SELECT incident_id FROM incident_roles);
