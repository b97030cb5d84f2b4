-- Incident numbers come from a sequence, continuing from the counter row used so far.
CREATE SEQUENCE incident_number;
SELECT setval('incident_number', GREATEST((SELECT value FROM counters WHERE name = 'incident'), 1),
              (SELECT value FROM counters WHERE name = 'incident') > 0);
