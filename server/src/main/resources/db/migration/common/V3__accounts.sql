-- Accelerator accounts and their traffic. Standard SQL shared by SQLite and PostgreSQL.
-- Flags are SMALLINT 0/1; times are epoch milliseconds; days are UTC epoch days.

CREATE TABLE accounts (
    id            TEXT     NOT NULL PRIMARY KEY,
    email         TEXT     NOT NULL UNIQUE,
    password_hash TEXT     NOT NULL,
    admin         SMALLINT NOT NULL,
    tenant_id     TEXT     UNIQUE,
    quota_bytes   BIGINT   NOT NULL,
    disabled      SMALLINT NOT NULL,
    invite_code   TEXT     NOT NULL UNIQUE,
    invited_by    TEXT,
    created       BIGINT   NOT NULL
);

CREATE INDEX accounts_by_inviter ON accounts (invited_by);

-- Bytes served to an account's tenant per day; rows are added to, never rewritten.
CREATE TABLE usage_daily (
    account TEXT   NOT NULL,
    day     BIGINT NOT NULL,
    bytes   BIGINT NOT NULL,
    PRIMARY KEY (account, day)
);
