-- The purge job (Data/TokenPurgeService) deletes API keys revoked longer ago than
-- Auth:TokenPurge:RevokedApiKeyRetention. Only revoked keys are indexed: active keys (the rows the
-- hot path reads) cost the index nothing. Expired access tokens are found through
-- access_tokens_expires_at (0001).
CREATE INDEX api_keys_revoked_at ON api_keys (revoked_at) WHERE revoked_at IS NOT NULL;
