-- Failed secret checks (docs/security.md#login-throttling): one row per key
-- (an account, a client address, a NetEase AppKey+address), shared by every
-- server process on this database so that all nodes refuse the same guesses.
-- `failures` counts failures whose gaps are under the rule's window;
-- `locked_until` (ms) refuses the key without checking the secret.

CREATE TABLE login_failures (
    key             TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL
);

-- Addresses an account has logged in from with its password: they pass the
-- account's lock (not their own address's), so that an attacker failing on
-- an account does not keep its owner out.
CREATE TABLE login_known_addresses (
    app_id          TEXT NOT NULL,
    user_id         BIGINT NOT NULL,
    address         TEXT NOT NULL,
    last_success_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id, address)
);
