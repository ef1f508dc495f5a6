-- Personal access tokens of accelerator accounts (dev.hoist.storage.AccessTokenRecord): passwords
-- for docker login that an account names and revokes. Only the SHA-256 of the secret is stored.
-- Standard SQL shared by SQLite and PostgreSQL; times are epoch milliseconds.
CREATE TABLE access_tokens (
    id        TEXT   NOT NULL PRIMARY KEY,
    account   TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    hash      TEXT   NOT NULL UNIQUE,
    created   BIGINT NOT NULL,
    last_used BIGINT
);

CREATE INDEX access_tokens_by_account ON access_tokens (account);
