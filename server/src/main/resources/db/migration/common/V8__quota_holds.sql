-- Quota held by tenants' transfers in flight (dev.hoist.storage.QuotaHold), so that nodes sharing
-- one database admit transfers against one count. Standard SQL shared by SQLite and PostgreSQL;
-- times are epoch milliseconds. A hold ends with its transfer, or expires when its node died.
CREATE TABLE quota_holds (
    id      TEXT   NOT NULL PRIMARY KEY,
    account TEXT   NOT NULL,
    node    TEXT   NOT NULL,
    bytes   BIGINT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE INDEX quota_holds_by_account ON quota_holds (account);
CREATE INDEX quota_holds_by_expiry ON quota_holds (expires);
