-- Plans (tiers): each user has one; its limit decides the user's rate limit at the proxy.
CREATE TABLE plans (
    name                text PRIMARY KEY CHECK (name ~ '^[a-z0-9_-]{1,32}$'),
    requests_per_window integer NOT NULL CHECK (requests_per_window > 0),
    window_seconds      integer NOT NULL CHECK (window_seconds > 0),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

INSERT INTO plans (name, requests_per_window, window_seconds) VALUES
    ('free', 60, 60),
    ('pro', 1000, 60);

CREATE TABLE users (
    id                   uuid PRIMARY KEY,
    user_name            text NOT NULL,
    -- Lower-cased (invariant) so that 'Alice' and 'alice' cannot both register.
    user_name_normalized text NOT NULL UNIQUE,
    -- "pbkdf2-sha256$<iterations>$<salt>$<hash>": never the password itself.
    password_hash        text NOT NULL,
    plan                 text NOT NULL REFERENCES plans (name),
    roles                text[] NOT NULL DEFAULT '{user}',
    disabled             boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Only SHA-256 hashes of access tokens are stored: a database leak reveals no usable token.
CREATE TABLE access_tokens (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE INDEX access_tokens_user_id ON access_tokens (user_id);
CREATE INDEX access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE api_keys (
    id         uuid PRIMARY KEY,
    key_hash   bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    -- The first characters of the key, shown to its owner to tell keys apart.
    prefix     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX api_keys_user_id ON api_keys (user_id);
