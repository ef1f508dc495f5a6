-- Mirror freshness: what the upstream last said of a tag. A NULL digest records that the
-- upstream has no such tag (a brief negative cache). The repository is the cache name
-- "<upstream>/<path>". Times are epoch milliseconds.

CREATE TABLE mirror_tags (
    repo    TEXT   NOT NULL,
    tag     TEXT   NOT NULL,
    digest  TEXT,
    checked BIGINT NOT NULL,
    PRIMARY KEY (repo, tag)
);
