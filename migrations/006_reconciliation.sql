-- The daily reconciliation: every payment of a day (Kinshasa time) checked against REGIDESO
-- (VerifyTransaction) and, for wallet payments, against pawaPay's status reads. One row per run,
-- one row per mismatch it found; the latest run of a day is what the operator reads.
CREATE TABLE reconciliation_runs (
  id            bigserial PRIMARY KEY,
  day           date NOT NULL,
  -- 'scheduled': the nightly run for the day before (one per day across every instance);
  -- 'manual': asked for by an operator.
  kind          text NOT NULL CHECK (kind IN ('scheduled', 'manual')),
  status        text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  -- The operator's name from their key, or 'schedule'.
  started_by    text NOT NULL,
  -- Written by the instance running it every few seconds: a run whose instance died is taken over
  -- (scheduled) or closed as failed (manual) once this is old.
  heartbeat_at  timestamptz NOT NULL,
  -- {ledger, matched, open, unchecked, mismatched, byProvider}: so far while running, final when done.
  totals        jsonb NOT NULL,
  error         text
);
-- The nightly run happens once per day, whichever instance's scheduler gets there first.
CREATE UNIQUE INDEX reconciliation_runs_one_scheduled ON reconciliation_runs (day) WHERE kind = 'scheduled';
-- One run at a time per day: a second request while one runs is answered with it.
CREATE UNIQUE INDEX reconciliation_runs_one_running ON reconciliation_runs (day) WHERE status = 'running';
CREATE INDEX reconciliation_runs_by_day ON reconciliation_runs (day, id DESC);

CREATE TABLE reconciliation_mismatches (
  id               bigserial PRIMARY KEY,
  run_id           bigint NOT NULL REFERENCES reconciliation_runs (id),
  intent_id        text NOT NULL REFERENCES payment_intents (id),
  kind             text NOT NULL,
  detail           text NOT NULL,
  num_acquit       text,
  amount_centimes  bigint NOT NULL,
  provider         text
);
CREATE INDEX reconciliation_mismatches_by_run ON reconciliation_mismatches (run_id, id);
