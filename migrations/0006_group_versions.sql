-- Admins edit group memberships in the browser; a version guards against two admins
-- overwriting each other.
ALTER TABLE unit_groups ADD COLUMN version INT NOT NULL DEFAULT 1 CHECK (version > 0);
