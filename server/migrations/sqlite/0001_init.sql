-- Times are milliseconds since the Unix epoch; flags are 0/1 BIGINTs so one
-- set of queries decodes the same on SQLite and PostgreSQL.

CREATE TABLE apps (
    id                   TEXT PRIMARY KEY,
    app_key              TEXT NOT NULL CONSTRAINT apps_key_uq UNIQUE,
    app_secret           TEXT NOT NULL,
    stranger_may_message BIGINT NOT NULL,
    application_ttl_ms   BIGINT NOT NULL,
    max_friends          BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);

CREATE TABLE admin_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     TEXT NOT NULL REFERENCES apps (id),
    token_hash TEXT NOT NULL CONSTRAINT admin_tokens_hash_uq UNIQUE,
    prefix     TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX admin_tokens_app ON admin_tokens (app_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         TEXT NOT NULL REFERENCES apps (id),
    username       TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    nick_name      TEXT NOT NULL DEFAULT '',
    avatar         TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    public_info    TEXT NOT NULL DEFAULT '',
    private_info   TEXT NOT NULL DEFAULT '',
    mobile         TEXT,
    email          TEXT,
    disabled       BIGINT NOT NULL DEFAULT 0,
    -- Grows with every change to the user's roster; also the row every
    -- roster transaction locks first.
    roster_version BIGINT NOT NULL DEFAULT 0,
    -- Last device serial number handed out.
    device_counter BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    CONSTRAINT users_app_username_uq UNIQUE (app_id, username),
    CONSTRAINT users_app_mobile_uq UNIQUE (app_id, mobile),
    CONSTRAINT users_app_email_uq UNIQUE (app_id, email)
);

CREATE TABLE user_settings (
    user_id            BIGINT PRIMARY KEY REFERENCES users (id),
    auth_mode          BIGINT NOT NULL CHECK (auth_mode BETWEEN 0 AND 3),
    auth_question      TEXT NOT NULL,
    auth_answer        TEXT NOT NULL,
    group_confirm      BIGINT NOT NULL,
    auto_download      BIGINT NOT NULL,
    no_push            BIGINT NOT NULL,
    no_push_detail     BIGINT NOT NULL,
    no_push_start_hour BIGINT NOT NULL,
    no_push_end_hour   BIGINT NOT NULL,
    no_sounds          BIGINT NOT NULL,
    vibratory          BIGINT NOT NULL,
    push_nick_name     TEXT NOT NULL,
    push_token         TEXT NOT NULL,
    push_alias         TEXT NOT NULL,
    badge              BIGINT NOT NULL,
    silence_start_time BIGINT NOT NULL,
    silence_end_time   BIGINT NOT NULL
);

CREATE TABLE user_tags (
    user_id    BIGINT NOT NULL REFERENCES users (id),
    tag        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, tag)
);

CREATE TABLE devices (
    user_id       BIGINT NOT NULL REFERENCES users (id),
    device_sn     BIGINT NOT NULL,
    guid          TEXT NOT NULL,
    platform      BIGINT NOT NULL,
    user_agent    TEXT NOT NULL,
    push_token    TEXT NOT NULL,
    device_token  TEXT,
    notifier_name TEXT,
    created_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device_sn),
    CONSTRAINT devices_user_guid_uq UNIQUE (user_id, guid)
);

CREATE TABLE user_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id     TEXT NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL CONSTRAINT user_tokens_hash_uq UNIQUE,
    device_sn  BIGINT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX user_tokens_user ON user_tokens (user_id, device_sn);

-- One row per direction: the owner's view of the friend.
CREATE TABLE friendships (
    app_id            TEXT NOT NULL,
    user_id           BIGINT NOT NULL REFERENCES users (id),
    friend_id         BIGINT NOT NULL REFERENCES users (id),
    relation          BIGINT NOT NULL CHECK (relation IN (0, 1)),
    alias             TEXT NOT NULL DEFAULT '',
    ext               TEXT NOT NULL DEFAULT '',
    server_ex         TEXT NOT NULL DEFAULT '',
    mute_notification BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    CHECK (user_id <> friend_id)
);
CREATE INDEX friendships_changed ON friendships (user_id, updated_at);

CREATE TABLE blocks (
    app_id     TEXT NOT NULL,
    blocker_id BIGINT NOT NULL REFERENCES users (id),
    blocked_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id);

CREATE TABLE friend_applications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         TEXT NOT NULL,
    applicant_id   BIGINT NOT NULL REFERENCES users (id),
    target_id      BIGINT NOT NULL REFERENCES users (id),
    reason         TEXT NOT NULL,
    alias          TEXT NOT NULL,
    status         BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    decline_reason TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    CHECK (applicant_id <> target_id)
);
-- At most one pending application per direction; history is kept.
CREATE UNIQUE INDEX friend_applications_one_pending
    ON friend_applications (applicant_id, target_id) WHERE status = 0;
CREATE INDEX friend_applications_incoming ON friend_applications (target_id, id);

CREATE TABLE rate_counters (
    key           TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);

CREATE TABLE nonces (
    app_id     TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, nonce)
);
CREATE INDEX nonces_expiry ON nonces (expires_at);
