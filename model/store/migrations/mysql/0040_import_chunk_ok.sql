-- A validated chunk's ok rows: validation writes only the rows whose outcome
-- is not ok, or is ok with another pairing or reason than the chunk's; a row
-- still pending in a validated chunk is ok, credited as ok_pairing_id and
-- ok_reason say (how verifying it would credit its item).
ALTER TABLE import_chunks
  ADD COLUMN ok_pairing_id BIGINT NULL,
  ADD COLUMN ok_reason VARCHAR(32) NOT NULL DEFAULT '';
