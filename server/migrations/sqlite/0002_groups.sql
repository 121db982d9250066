-- One id space for users and groups: a conversation is named by the other
-- user's id or the group's id alone, so user 5 and group 5 cannot both
-- exist. Both draw their ids from this table (one row per id, saying what it
-- names); ids stay at or below 2^53 so JavaScript clients hold them exactly.
CREATE TABLE entity_ids (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'group')),
    CHECK (id BETWEEN 1 AND 9007199254740992)
);
-- Users made before this table keep their ids; AUTOINCREMENT continues past
-- the largest explicit id.
INSERT INTO entity_ids (id, kind) SELECT id, 'user' FROM users;

-- Groups: the group itself, members, the block list, applications and
-- invitations, announcements, shared files and kick records. Rules the
-- database can hold are held here (one owner, one membership per user, one
-- pending application / invitation per pair, capacity never exceeded), so
-- that concurrent requests cannot break them whatever the code checks.

-- Per-app settings for groups.
ALTER TABLE apps ADD COLUMN group_capacity BIGINT NOT NULL DEFAULT 2000;
ALTER TABLE apps ADD COLUMN group_request_ttl_ms BIGINT NOT NULL DEFAULT 604800000;

CREATE TABLE chat_groups (
    id              BIGINT PRIMARY KEY REFERENCES entity_ids (id),
    app_id          TEXT NOT NULL REFERENCES apps (id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    avatar          TEXT NOT NULL,
    ext             TEXT NOT NULL,
    owner_id        BIGINT NOT NULL REFERENCES users (id),
    group_type      BIGINT NOT NULL CHECK (group_type IN (0, 1, 2)),
    -- 0 normal, 1 destroyed (kept, so former members still see it).
    status          BIGINT NOT NULL DEFAULT 0 CHECK (status IN (0, 1)),
    apply_approval  BIGINT NOT NULL CHECK (apply_approval IN (0, 1, 2)),
    member_invite   BIGINT NOT NULL CHECK (member_invite IN (0, 1)),
    member_modify   BIGINT NOT NULL CHECK (member_modify IN (0, 1)),
    read_ack        BIGINT NOT NULL CHECK (read_ack IN (0, 1)),
    history_visible BIGINT NOT NULL CHECK (history_visible IN (0, 1)),
    -- Whole-group mute: 0 none, -1 permanent, else the end in ms.
    ban_expire_time BIGINT NOT NULL DEFAULT 0 CHECK (ban_expire_time >= -1),
    capacity        BIGINT NOT NULL CHECK (capacity > 0),
    -- Kept with every join and leave in the same transaction; the CHECK is
    -- what makes "never over capacity" hold under concurrent joins.
    member_count    BIGINT NOT NULL CHECK (member_count >= 0 AND member_count <= capacity),
    -- Grows with every membership change (member_list's `version`).
    member_version  BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX chat_groups_app ON chat_groups (app_id, group_type, status);

CREATE TABLE group_members (
    group_id        BIGINT NOT NULL REFERENCES chat_groups (id),
    user_id         BIGINT NOT NULL REFERENCES users (id),
    -- 0 member, 1 admin, 2 owner.
    role            BIGINT NOT NULL CHECK (role IN (0, 1, 2)),
    display_name    TEXT NOT NULL DEFAULT '',
    join_time       BIGINT NOT NULL,
    msg_mute_mode   BIGINT NOT NULL DEFAULT 0 CHECK (msg_mute_mode BETWEEN 0 AND 2),
    msg_push_mode   BIGINT NOT NULL DEFAULT 0 CHECK (msg_push_mode BETWEEN 0 AND 4),
    -- 0 not banned, -1 permanent, else the end in ms.
    ban_expire_time BIGINT NOT NULL DEFAULT 0 CHECK (ban_expire_time >= -1),
    PRIMARY KEY (group_id, user_id)
);
CREATE UNIQUE INDEX group_members_one_owner ON group_members (group_id) WHERE role = 2;
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE group_blocks (
    group_id   BIGINT NOT NULL REFERENCES chat_groups (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE group_kicks (
    group_id  BIGINT NOT NULL REFERENCES chat_groups (id),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    kicked_at BIGINT NOT NULL
);
CREATE INDEX group_kicks_recent ON group_kicks (group_id, user_id, kicked_at);

CREATE TABLE group_applications (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id     BIGINT NOT NULL REFERENCES chat_groups (id),
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    reason       TEXT NOT NULL,
    -- 0 pending, 1 accepted, 2 declined.
    status       BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    handler_id   BIGINT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX group_applications_one_pending
    ON group_applications (group_id, applicant_id) WHERE status = 0;
CREATE INDEX group_applications_group ON group_applications (group_id, id);

CREATE TABLE group_invitations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id   BIGINT NOT NULL REFERENCES chat_groups (id),
    inviter_id BIGINT NOT NULL REFERENCES users (id),
    invitee_id BIGINT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL,
    status     BIGINT NOT NULL CHECK (status IN (0, 1, 2)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CHECK (inviter_id <> invitee_id)
);
CREATE UNIQUE INDEX group_invitations_one_pending
    ON group_invitations (group_id, inviter_id, invitee_id) WHERE status = 0;
CREATE INDEX group_invitations_invitee ON group_invitations (invitee_id, id);

CREATE TABLE group_announcements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id   BIGINT NOT NULL REFERENCES chat_groups (id),
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    author_id  BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX group_announcements_group ON group_announcements (group_id, id);

CREATE TABLE group_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id    BIGINT NOT NULL REFERENCES chat_groups (id),
    name        TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    file_type   TEXT NOT NULL,
    -- As registered by the uploader; the server stores no content.
    url         TEXT NOT NULL,
    uploader_id BIGINT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX group_files_group ON group_files (group_id, id);
