-- What the nodes of a cluster share besides registry content (dev.hoist.storage.ClusterTransaction).
-- Standard SQL shared by SQLite and PostgreSQL; times are epoch milliseconds. Rows expire.

-- One owner of a name until a time: a blob's fill ("fill:sha256:..."), a scheduled job.
CREATE TABLE leases (
    name    TEXT   NOT NULL PRIMARY KEY,
    owner   TEXT   NOT NULL,
    expires BIGINT NOT NULL
);

-- The nodes, their internal address and last heartbeat.
CREATE TABLE nodes (
    id      TEXT   NOT NULL PRIMARY KEY,
    address TEXT   NOT NULL,
    seen    BIGINT NOT NULL
);

-- Console sessions, by a hash of their token.
CREATE TABLE sessions (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    account    TEXT   NOT NULL,
    csrf       TEXT   NOT NULL,
    expires    BIGINT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires);

-- Failed logins per user name or client address (the login limiter's window).
CREATE TABLE login_failures (
    failure_key TEXT   NOT NULL,
    at          BIGINT NOT NULL
);

CREATE INDEX login_failures_by_key ON login_failures (failure_key, at);
CREATE INDEX login_failures_by_time ON login_failures (at);
