-- Per-app limits on groups, 0 meaning "no limit": active groups in the app
-- (MaxIM 20007), active groups a user owns (20008) and active groups a user
-- is a member of, owned ones included (20009). They are checked in the
-- transaction that creates the group or adds the member, under the locks
-- that transaction takes (server/src/store/groups.rs), not by a constraint:
-- a CHECK cannot read another table's count.
ALTER TABLE apps ADD COLUMN max_groups BIGINT NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN max_groups_created BIGINT NOT NULL DEFAULT 500;
ALTER TABLE apps ADD COLUMN max_groups_joined BIGINT NOT NULL DEFAULT 2000;
