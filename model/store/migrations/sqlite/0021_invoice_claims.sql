-- One claim per invoice, across orgs, off-platform records and mall invoices.
CREATE TABLE invoice_claims (
  id           INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
  issuer_code  TEXT     NOT NULL,
  invoice_code TEXT     NOT NULL,
  number       TEXT     NOT NULL,
  org_id       INTEGER  NOT NULL,
  holder_kind  TEXT     NOT NULL,
  holder_id    INTEGER  NOT NULL,
  created_at   DATETIME NOT NULL,
  UNIQUE (issuer_code, invoice_code, number)
);
CREATE INDEX ix_invoice_claims_holder ON invoice_claims (holder_kind, holder_id);
