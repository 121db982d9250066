-- The MaxIM client socket's delivery state (docs/socket.md#delivery-model).
-- A device's queue for a conversation is computed, not stored: the
-- conversation's messages and operations after the device's position in it,
-- so a group message is still one row for all members and their devices.

-- The socket device a message was sent from (0: not from a socket), so its
-- own device does not get it back; the user's other devices do.
ALTER TABLE messages ADD COLUMN from_sn BIGINT NOT NULL DEFAULT 0;

-- Recall and edits of a message (one row per message touched).
CREATE TABLE message_marks (
    app_id         TEXT NOT NULL REFERENCES apps (id),
    message_id     BIGINT NOT NULL,
    recalled       BIGINT NOT NULL DEFAULT 0,
    -- The last APPEND/REPLACE (ms); 0 never edited.
    edit_timestamp BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, message_id)
);

-- Messages a user deleted for itself.
CREATE TABLE message_hidden (
    app_id     TEXT NOT NULL REFERENCES apps (id),
    user_id    BIGINT NOT NULL,
    message_id BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, message_id)
);

-- Operations on messages (read acks, recall, edits, ...) as they are
-- forwarded: ids from the app's message id allocator, so they interleave
-- with the messages of their conversation.
CREATE TABLE message_ops (
    app_id     TEXT NOT NULL REFERENCES apps (id),
    id         BIGINT NOT NULL,
    conv_low   BIGINT NOT NULL,
    conv_high  BIGINT NOT NULL,
    from_id    BIGINT NOT NULL,
    from_sn    BIGINT NOT NULL,
    to_id      BIGINT NOT NULL,
    -- Only this user's devices get it (0: everyone in the conversation).
    only_user  BIGINT NOT NULL DEFAULT 0,
    -- The encoded MessageBody or Conversation (base64), as the sender sent it.
    ns         BIGINT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, id)
);
CREATE INDEX message_ops_conversation ON message_ops (app_id, conv_low, conv_high, id);

-- Per socket device: the floor its queues start from (set at its first
-- login) and its acknowledged position per conversation.
CREATE TABLE socket_devices (
    app_id        TEXT NOT NULL REFERENCES apps (id),
    user_id       BIGINT NOT NULL,
    device_sn     BIGINT NOT NULL,
    message_floor BIGINT NOT NULL,
    notice_acked  BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, device_sn)
);

CREATE TABLE socket_positions (
    app_id    TEXT NOT NULL REFERENCES apps (id),
    user_id   BIGINT NOT NULL,
    device_sn BIGINT NOT NULL,
    peer_id   BIGINT NOT NULL,
    acked_id  BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, device_sn, peer_id)
);
