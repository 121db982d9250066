-- The notices log (docs/notices.md): every roster and group change leaves
-- one row per user it concerns, numbered per user 1, 2, 3, ... without
-- gaps, in the order readers see them commit.
--
-- A position is drawn from the user's row in notice_counters, updated (or
-- created) in the same transaction as the change and its notices: the row
-- stays locked until that transaction ends, so a second writer for the same
-- user waits and draws the next number only after the first committed (or
-- rolled back, taking its number with it). A global identity column would
-- not do: on PostgreSQL ids are handed out before commit, so a reader could
-- see position 6 committed before 5.
CREATE TABLE notice_counters (
    user_id       BIGINT PRIMARY KEY REFERENCES users (id),
    app_id        TEXT NOT NULL,
    last_position BIGINT NOT NULL
);

CREATE TABLE notices (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    position   BIGINT NOT NULL,
    app_id     TEXT NOT NULL,
    -- A stable text code, e.g. 'roster.added', 'group.kicked'.
    kind       TEXT NOT NULL,
    -- Who acted.
    from_id    BIGINT NOT NULL,
    -- The user acted upon, when there is one.
    to_id      BIGINT,
    group_id   BIGINT,
    -- A small JSON object (the SDK's `content`).
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, position)
);
