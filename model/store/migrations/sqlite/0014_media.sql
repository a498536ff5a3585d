-- Files behind the blob store, content-addressed by SHA-256, in chunks of at
-- most 256 KiB; product images; products.image_count (see the mysql
-- migration of the same number).
CREATE TABLE blobs (
  class        TEXT    NOT NULL,
  hash         TEXT    NOT NULL,
  content_type TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  chunks       INTEGER NOT NULL,
  created_at   DATETIME NOT NULL,
  PRIMARY KEY (class, hash)
);

CREATE TABLE blob_chunks (
  class TEXT    NOT NULL,
  hash  TEXT    NOT NULL,
  seq   INTEGER NOT NULL,
  data  BLOB    NOT NULL,
  PRIMARY KEY (class, hash, seq)
);

CREATE TABLE product_images (
  id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  product_id INTEGER NOT NULL,
  position   INTEGER NOT NULL,
  hash       TEXT    NOT NULL,
  thumb_hash TEXT    NOT NULL,
  width      INTEGER NOT NULL,
  height     INTEGER NOT NULL,
  created_at DATETIME NOT NULL
);
CREATE INDEX idx_product_images_product ON product_images (product_id, position);
CREATE INDEX idx_product_images_hash ON product_images (hash);
CREATE INDEX idx_product_images_thumb ON product_images (thumb_hash);

ALTER TABLE products ADD COLUMN image_count INTEGER NOT NULL DEFAULT 0;
