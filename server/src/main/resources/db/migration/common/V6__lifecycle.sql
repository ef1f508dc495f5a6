-- The disk's lifecycle (cache eviction, garbage collection, scrub): what is stored, what uses it,
-- and when it was last used. Standard SQL shared by SQLite and PostgreSQL; times are epoch ms.

-- One row per blob in the blob store that metadata knows of (linked blobs and manifests' bytes).
CREATE TABLE blobs (
    digest TEXT   NOT NULL PRIMARY KEY,
    size   BIGINT NOT NULL,
    used   BIGINT NOT NULL -- last stored, linked or served (recorded in batches)
);

CREATE INDEX blobs_by_used ON blobs (used);

-- What a manifest references: its config and layers, or an index's child manifests. A blob no row
-- names (and no manifest is) is garbage once unused for the grace window.
CREATE TABLE manifest_refs (
    repo     TEXT NOT NULL,
    manifest TEXT NOT NULL,
    child    TEXT NOT NULL,
    PRIMARY KEY (repo, manifest, child),
    FOREIGN KEY (repo, manifest) REFERENCES manifests (repo, digest) ON DELETE CASCADE
);

CREATE INDEX manifest_refs_by_child ON manifest_refs (child, repo);

-- used: when the manifest (or, for an index, any of its children) was last pulled.
-- indexed: 1 once its references are in manifest_refs; manifests stored before this migration are
-- indexed by the server from their bytes, and nothing is collected until they all are.
ALTER TABLE manifests ADD COLUMN used BIGINT NOT NULL DEFAULT 0;
ALTER TABLE manifests ADD COLUMN indexed SMALLINT NOT NULL DEFAULT 0;
UPDATE manifests SET used = created;
CREATE INDEX manifests_by_digest ON manifests (digest);
CREATE INDEX manifests_by_used ON manifests (used);
CREATE INDEX manifests_unindexed ON manifests (indexed);

-- A sync rule's name when the rule keeps this tag's image in the cache (never evicted).
ALTER TABLE mirror_tags ADD COLUMN kept_by TEXT;
CREATE INDEX mirror_tags_by_digest ON mirror_tags (repo, digest);

INSERT INTO blobs (digest, size, used)
SELECT digest, MAX(size), MAX(created)
FROM (SELECT digest, size, created FROM blob_links
      UNION ALL SELECT digest, size, created FROM manifests) stored
GROUP BY digest;
