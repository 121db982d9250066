-- Uploaded files (docs/files.md): one row per upload slot handed out, the
-- bytes themselves in object storage under `object_key`. `size` stays NULL
-- until the bytes are known to be there (the server's own upload route
-- records it; with S3, where the client uploads to the store directly, the
-- first use of the file looks the object up and records it). Who may read
-- a file is not stored here: it is in the signed `file_sign` links.
CREATE TABLE files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          TEXT NOT NULL REFERENCES apps (id),
    object_key      TEXT NOT NULL UNIQUE,
    -- 100-104 chat files, 200-203 group shared files, 1 user avatar, 2 group avatar.
    file_type       BIGINT NOT NULL,
    uploader_id     BIGINT NOT NULL,
    -- 1 user, 2 group; 0 for avatars (to_id: the user or group pictured).
    to_type         BIGINT NOT NULL CHECK (to_type IN (0, 1, 2)),
    to_id           BIGINT NOT NULL,
    max_size        BIGINT NOT NULL CHECK (max_size >= 0),
    content_type    TEXT NOT NULL DEFAULT '',
    size            BIGINT CHECK (size >= 0),
    created_at      BIGINT NOT NULL,
    slot_expires_at BIGINT NOT NULL,
    uploaded_at     BIGINT
);
CREATE INDEX files_app ON files (app_id, id);
