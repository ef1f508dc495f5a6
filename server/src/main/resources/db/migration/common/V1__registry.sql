-- Registry metadata. Shared by the SQLite and PostgreSQL stores: standard SQL only
-- (TEXT, BIGINT, composite keys, no AUTOINCREMENT). Times are epoch milliseconds.
-- Digests are stored in their text form, "sha256:<hex>".
-- A repository has no row of its own: it exists while it has a manifest or a blob link.

CREATE TABLE manifests (
    repo          TEXT   NOT NULL,
    digest        TEXT   NOT NULL,
    media_type    TEXT   NOT NULL,
    size          BIGINT NOT NULL,
    artifact_type TEXT,
    subject       TEXT,
    annotations   TEXT   NOT NULL, -- JSON object of strings
    created       BIGINT NOT NULL,
    PRIMARY KEY (repo, digest)
);

-- Referrers API: manifests of a repository by subject.
CREATE INDEX manifests_by_subject ON manifests (repo, subject);

CREATE TABLE tags (
    repo    TEXT   NOT NULL,
    tag     TEXT   NOT NULL,
    digest  TEXT   NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (repo, tag),
    FOREIGN KEY (repo, digest) REFERENCES manifests (repo, digest) ON DELETE CASCADE
);

-- Deleting a manifest cascades to its tags.
CREATE INDEX tags_by_digest ON tags (repo, digest);

CREATE TABLE blob_links (
    repo    TEXT   NOT NULL,
    digest  TEXT   NOT NULL,
    size    BIGINT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (repo, digest)
);

-- Garbage collection counts the repositories linking a blob.
CREATE INDEX blob_links_by_digest ON blob_links (digest);

CREATE TABLE uploads (
    id      TEXT   NOT NULL PRIMARY KEY,
    repo    TEXT   NOT NULL,
    size    BIGINT NOT NULL,
    started BIGINT NOT NULL,
    updated BIGINT NOT NULL
);

-- Purging abandoned uploads, oldest first.
CREATE INDEX uploads_by_updated ON uploads (updated, id);
