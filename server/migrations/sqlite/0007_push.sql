-- Push (docs/push.md): the app's notifiers (push credentials), push tasks
-- and one delivery row per targeted device. Delivery state lives here, not
-- in memory, so that a restarted server resumes a task and several nodes
-- share the work: a worker claims a row by a conditional UPDATE that takes
-- only rows pending (and due) or whose lease has run out.

CREATE TABLE push_notifiers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      TEXT NOT NULL REFERENCES apps (id),
    name        TEXT NOT NULL,
    -- apns, fcm, webhook, huawei, xiaomi, meizu, vivo, oppo
    kind        TEXT NOT NULL,
    -- 0 development, 1 production
    environment BIGINT NOT NULL,
    -- The kind's credentials as a JSON object (core/push/notifiers.rs).
    credentials TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT push_notifiers_name_uq UNIQUE (app_id, name)
);

CREATE TABLE push_tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      TEXT NOT NULL REFERENCES apps (id),
    -- `setting.request_id`: a second task with the same id is not created.
    request_id  TEXT,
    audience    TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT push_tasks_request_uq UNIQUE (app_id, request_id)
);

CREATE TABLE push_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id       BIGINT NOT NULL REFERENCES push_tasks (id),
    app_id        TEXT NOT NULL,
    user_id       BIGINT NOT NULL,
    device_sn     BIGINT NOT NULL,
    device_token  TEXT NOT NULL,
    notifier_name TEXT NOT NULL,
    -- The notifier's kind when the task was made ('' when no notifier has the name).
    provider      TEXT NOT NULL,
    -- pending, sending, sent, failed, skipped
    state         TEXT NOT NULL,
    -- Sent with every attempt (webhook Idempotency-Key, APNs apns-id).
    idem_key      TEXT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    -- A pending row is due from this time; a sending row is another
    -- worker's until this time.
    due_at        BIGINT NOT NULL,
    -- Who holds the row while sending: only the holder settles it.
    claim         TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);
CREATE INDEX push_deliveries_task ON push_deliveries (task_id);
CREATE INDEX push_deliveries_due ON push_deliveries (state, due_at);
