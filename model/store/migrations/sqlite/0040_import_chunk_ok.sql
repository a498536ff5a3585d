-- A validated chunk's ok rows (see the mysql migration of the same number).
ALTER TABLE import_chunks ADD COLUMN ok_pairing_id INTEGER;
ALTER TABLE import_chunks ADD COLUMN ok_reason TEXT NOT NULL DEFAULT '';
