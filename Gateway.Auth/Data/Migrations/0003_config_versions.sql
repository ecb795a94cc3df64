-- The gateway's runtime configuration (ConfigService in auth.proto): numbered, complete,
-- immutable versions; the active one is max(version). Numbers are assigned by the service as
-- "active + 1" inside the storing transaction, so two concurrent changes against the same active
-- version collide on the primary key and the second is refused (ABORTED), never renumbered.
CREATE TABLE config_versions (
    version       bigint PRIMARY KEY CHECK (version > 0),
    document      jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    -- The admin's user name (from their access token), or 'bootstrap' for version 1 from a file.
    author        text NOT NULL,
    summary       text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- A rollback names the version whose document it restored.
    restored_from bigint NULL CONSTRAINT config_versions_restored_from_fkey REFERENCES config_versions (version)
);

-- Versions are history: the service only reads and appends. The role that runs this migration
-- (the service's own, gateway_auth, which owns the table) gives up DELETE and TRUNCATE on it, so a
-- mistake in the service's SQL cannot erase a version. Not a boundary against someone holding the
-- role's password: an owner may grant itself the rights back (or drop the trigger below). If a
-- superuser ran the migration, AuthDatabaseRole's ownership take-over carries these rights (the
-- old owner's) over.
REVOKE DELETE, TRUNCATE ON config_versions FROM CURRENT_USER;

-- UPDATE cannot be given up the same way: the foreign key's check on insert locks the restored
-- version's row (SELECT ... FOR KEY SHARE, run as the table's owner), and PostgreSQL grants row
-- locks only to a role with UPDATE on the table. A statement trigger refuses updates instead (a
-- statement-level one fires even when no row matches, so a refused UPDATE is refused every time).
CREATE FUNCTION config_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'config_versions is append-only: a stored version is never changed'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER config_versions_append_only BEFORE UPDATE ON config_versions
    FOR EACH STATEMENT EXECUTE FUNCTION config_versions_append_only();
