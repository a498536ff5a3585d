-- One claim per invoice, across orgs, off-platform records and mall invoices:
-- the unique identity key decides a race between replicas at commit.
CREATE TABLE invoice_claims (
  id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  issuer_code  CHAR(18)    NOT NULL,
  invoice_code VARCHAR(12) NOT NULL,
  number       VARCHAR(20) NOT NULL,
  org_id       BIGINT      NOT NULL,
  holder_kind  VARCHAR(16) NOT NULL,
  holder_id    BIGINT      NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  UNIQUE KEY uq_invoice_claims_identity (issuer_code, invoice_code, number),
  KEY ix_invoice_claims_holder (holder_kind, holder_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
