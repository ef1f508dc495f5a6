-- Sync rules (their definition is JSON owned by the sync package) and the status of their runs.
-- Standard SQL shared by SQLite and PostgreSQL. Times are epoch milliseconds; NULL means "never".

CREATE TABLE sync_rules (
    name       TEXT   NOT NULL PRIMARY KEY,
    definition TEXT   NOT NULL,
    updated    BIGINT NOT NULL
);

CREATE TABLE sync_status (
    rule           TEXT   NOT NULL PRIMARY KEY,
    last_started   BIGINT,
    last_finished  BIGINT,
    next_run       BIGINT,
    copied_images  BIGINT NOT NULL,
    skipped_images BIGINT NOT NULL,
    failed_images  BIGINT NOT NULL,
    copied_bytes   BIGINT NOT NULL,
    last_error     TEXT
);
