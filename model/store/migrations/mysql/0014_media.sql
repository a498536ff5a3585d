-- Files behind the blob store (model/store/blob.go), content-addressed by
-- SHA-256 and kept apart by class: "public" (product images, served by
-- GET /media/{hash}) and "private" (scans, served only by the routes that
-- authorize them). The bytes are split into chunks of at most 256 KiB, well
-- below MariaDB's max_allowed_packet, so no statement ever carries a whole
-- file; every replica reads them and backups include them.
CREATE TABLE blobs (
  class        VARCHAR(16) NOT NULL,
  hash         CHAR(64)    NOT NULL,
  content_type VARCHAR(64) NOT NULL,
  size         BIGINT      NOT NULL,
  chunks       INT         NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  PRIMARY KEY (class, hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE blob_chunks (
  class VARCHAR(16) NOT NULL,
  hash  CHAR(64)    NOT NULL,
  seq   INT         NOT NULL,
  data  MEDIUMBLOB  NOT NULL,
  PRIMARY KEY (class, hash, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- A product's images, in display order (position); hash is the 800 px
-- version, thumb_hash the 240 px one, both public blobs.
CREATE TABLE product_images (
  id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  product_id BIGINT      NOT NULL,
  position   INT         NOT NULL,
  hash       CHAR(64)    NOT NULL,
  thumb_hash CHAR(64)    NOT NULL,
  width      INT         NOT NULL,
  height     INT         NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY idx_product_images_product (product_id, position),
  KEY idx_product_images_hash (hash),
  KEY idx_product_images_thumb (thumb_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- The number of a product's images, moved by a guarded UPDATE
-- (image_count < 9) so concurrent uploads, on one server or on several
-- masters of a cluster, cannot together pass the limit.
ALTER TABLE products ADD COLUMN image_count INT NOT NULL DEFAULT 0;
