-- Messages (docs/messages.md). A send stores its content once, in
-- message_bodies, whatever the number of targets; each one-to-one target gets
-- a small row in messages (its own id, pointing at the body), and a group
-- gets one row for all its members. Per-user state lives in conversations:
-- the read position and the point a deletion cleared, never a row per
-- member per group message.

-- Message ids: one allocator row per app. A send takes a block of ids with
-- one upsert: start = max(next_id, (now_ms - 2024-01-01) << 12), so ids grow
-- with time and with every send, 4096 per millisecond before they run ahead
-- of the clock, and stay below 2^53 until 2093. The row's lock makes two
-- server processes sharing the database draw distinct ids.
CREATE TABLE message_ids (
    app_id  TEXT PRIMARY KEY REFERENCES apps (id),
    next_id BIGINT NOT NULL CHECK (next_id BETWEEN 1 AND 9007199254740992)
);

CREATE TABLE message_bodies (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         TEXT NOT NULL REFERENCES apps (id),
    -- 0: the app itself (/message/notify).
    from_id        BIGINT NOT NULL,
    -- Settles idempotent sends under concurrency: the same sender and
    -- transaction id store one body (NULLs never collide).
    transaction_id BIGINT,
    content_type   BIGINT NOT NULL CHECK (content_type BETWEEN 0 AND 7),
    content        TEXT NOT NULL,
    -- Passed through untouched; NULL when not sent.
    ext            TEXT,
    config         TEXT,
    attachment     TEXT,
    created_at     BIGINT NOT NULL,
    CONSTRAINT message_bodies_transaction_uq UNIQUE (app_id, from_id, transaction_id)
);

CREATE TABLE messages (
    app_id     TEXT NOT NULL REFERENCES apps (id),
    id         BIGINT NOT NULL CHECK (id BETWEEN 1 AND 9007199254740992),
    body_id    BIGINT NOT NULL REFERENCES message_bodies (id),
    -- 1 one-to-one, 2 group.
    kind       BIGINT NOT NULL CHECK (kind IN (1, 2)),
    from_id    BIGINT NOT NULL,
    -- The user, or the group.
    to_id      BIGINT NOT NULL,
    -- The conversation: the two users' ids, smaller first, or the group's
    -- id and 0. Users and groups share one id space, so they never collide.
    conv_low   BIGINT NOT NULL,
    conv_high  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, id)
);
CREATE INDEX messages_conversation ON messages (app_id, conv_low, conv_high, id);

-- One row per user and conversation the user has (a one-to-one peer, the
-- app's notices as peer 0, or a group once the user read or deleted it).
CREATE TABLE conversations (
    app_id     TEXT NOT NULL REFERENCES apps (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    -- The other user, 0 for the app's notices, or the group.
    peer_id    BIGINT NOT NULL,
    kind       BIGINT NOT NULL CHECK (kind IN (1, 2)),
    -- The conversation's key in messages (conv_low, conv_high).
    conv_low   BIGINT NOT NULL,
    conv_high  BIGINT NOT NULL,
    -- Messages up to this id are read; it never moves backwards.
    read_id    BIGINT NOT NULL DEFAULT 0,
    -- Deleting the conversation hides messages up to this id from this user.
    cleared_id BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, user_id, peer_id)
);
