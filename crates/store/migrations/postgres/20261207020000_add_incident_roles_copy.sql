-- Each incident keeps a copy of its roles on its row, as JSON ([[role, user id, name, email],
-- ...] by role name), so a page of the incident list reads the incidents alone. Per row, the
-- roles subquery (an index lookup, a join and a JSON aggregate) cost PostgreSQL three times
-- the rest of the page. incident_roles stays the record the copy is rebuilt from whenever a
-- role changes; a change to a user's name or email must rewrite the copies that hold them.
ALTER TABLE incidents ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
UPDATE incidents i SET roles = r.roles
FROM (SELECT r.incident_id,
             json_agg(json_build_array(r.role, u.id, u.name, u.email) ORDER BY r.role)::text AS roles
      FROM incident_roles r JOIN users u ON u.id = r.user_id
      GROUP BY r.incident_id) r
WHERE r.incident_id = i.id;
