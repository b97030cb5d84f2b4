-- A webhook subscriber made on a public page names a contact e-mail address (as on
-- Statuspage): the address confirms the subscription (nothing is delivered before) and hears
-- when deliveries keep failing. NULL for e-mail subscribers and for webhooks made earlier.
ALTER TABLE subscribers ADD COLUMN contact_email TEXT;
