-- Operators' keys: the people who read the ledger and clear its flags, each with a key of their own
-- and a role, instead of the telco's webhook token. Only a hash of each key is kept (the key itself
-- is printed once, when it is made); a revoked key stays as a row, so a name in an old audit trail
-- still says who it was, and a name can be given a new key after its old one is revoked.
CREATE TABLE operators (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('viewer', 'resolver', 'admin')),
  -- SHA-256 of the key, hex: the key is 256 random bits, so a fast hash is enough (no salt, no
  -- stretching: those are for guessable passwords) and lets each request be checked by one lookup.
  key_hash    text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE UNIQUE INDEX operators_one_key_per_name ON operators (name) WHERE revoked_at IS NULL;

-- Who did it, when a person did (a resolution: the operator's name from their key); NULL for the
-- product's own steps.
ALTER TABLE payment_events ADD COLUMN actor text;

-- The operator's list pages by (created_at, id), a key that never moves under new payments; the
-- index on created_at alone is covered by it.
CREATE INDEX payment_intents_by_created_id ON payment_intents (created_at, id);
DROP INDEX payment_intents_by_created;
-- Cleared flags stay findable: /payments/flagged?resolved=true, newest resolution first.
CREATE INDEX payment_intents_resolved ON payment_intents (resolved_at DESC) WHERE flagged_at IS NOT NULL AND resolved_at IS NOT NULL;
