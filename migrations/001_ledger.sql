-- The payment ledger: what the product promised a subscriber, every step taken to keep the
-- promise, and what REGIDESO and the wallet answered. The truth for payments; Redis only runs the
-- jobs that move it forward (a job lost with Redis is found again from here).

CREATE TABLE payment_intents (
  id                    text PRIMARY KEY,
  session_id            text NOT NULL,
  phone                 text NOT NULL,
  language              text NOT NULL,
  ref_client            text NOT NULL,
  province              text NOT NULL,
  subscriber_name       text NOT NULL,
  operator              text NOT NULL,
  -- The selected bills as the subscriber saw them: [{faeId, billNumber, issuedOn, balanceCentimes}].
  bills                 jsonb NOT NULL,
  amount_centimes       bigint NOT NULL CHECK (amount_centimes > 0),
  -- 'wallet': collected from a mobile-money wallet first; 'none': the operator collects upstream.
  collection            text NOT NULL CHECK (collection IN ('wallet', 'none')),
  status                text NOT NULL CHECK (status IN (
                          'pending', 'collecting', 'collected', 'submitted', 'uncertain', 'refunding',
                          'succeeded', 'reconciled', 'failed', 'refunded', 'refund_failed', 'partial')),
  -- Every write is a compare-and-set on this: a stale worker can never move an intent backwards.
  version               integer NOT NULL DEFAULT 1,
  -- The account is this intent's alone: taken before the check that precedes PayFact, kept while a
  -- PayFact of it may be in flight or may yet land (so always while submitted or uncertain).
  holds_account         boolean NOT NULL DEFAULT false CHECK (holds_account OR status NOT IN ('submitted', 'uncertain')),
  -- Balances of the selected bills read just before the first PayFact: what reconciliation compares with.
  baseline              jsonb,
  pay_attempts          integer NOT NULL DEFAULT 0,
  submitted_at          timestamptz,
  num_acquit            text,
  own_reference         boolean NOT NULL DEFAULT false,
  remaining_centimes    bigint,
  refusal_reason        text,
  failure_message       text,
  -- Collection from the wallet (pawaPay): ids drawn and stored before any call that uses them.
  provider              text,
  deposit_id            uuid UNIQUE,
  deposit_status        text,
  deposit_failure_code  text,
  provider_txn_id       text,
  collected_centimes    bigint,
  collecting_since      timestamptz,
  refund_id             uuid UNIQUE,
  refund_status         text,
  refund_failure_code   text,
  -- Given up as uncertain: the job keeps reconciling slowly and never pays this late.
  unresolved            boolean NOT NULL DEFAULT false,
  -- For the operator: why a person must look, and how it was handled.
  flag_reason           text,
  flagged_at            timestamptz,
  resolved_at           timestamptz,
  resolved_by           text,
  resolution_note       text,
  -- When the job means to look at it again; the sweep requeues an open intent long past it.
  next_check_at         timestamptz NOT NULL,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL
);

-- One payment at a time per REGIDESO account: reconciliation reads the account's balances to learn
-- whether our PayFact landed, and must never see another of our payments' money.
CREATE UNIQUE INDEX payment_intents_one_per_account ON payment_intents (province, ref_client) WHERE holds_account;
CREATE INDEX payment_intents_by_phone ON payment_intents (phone, created_at DESC);
CREATE INDEX payment_intents_by_num_acquit ON payment_intents (num_acquit) WHERE num_acquit IS NOT NULL;
CREATE INDEX payment_intents_by_created ON payment_intents (created_at);
CREATE INDEX payment_intents_open ON payment_intents (next_check_at)
  WHERE status IN ('pending', 'collecting', 'collected', 'submitted', 'uncertain', 'refunding');
CREATE INDEX payment_intents_flagged ON payment_intents (flagged_at DESC) WHERE flagged_at IS NOT NULL AND resolved_at IS NULL;

-- The audit trail: every attempt (PayFact sent and its answer, reconcile reads, deposit and refund
-- calls), every flag and its resolution. Appended, never updated.
CREATE TABLE payment_events (
  id         bigserial PRIMARY KEY,
  intent_id  text NOT NULL REFERENCES payment_intents (id),
  at         timestamptz NOT NULL DEFAULT now(),
  event      text NOT NULL,
  detail     text
);
CREATE INDEX payment_events_by_intent ON payment_events (intent_id, id);

-- Every SMS the product sends, written in the same transaction as what it tells (a transactional
-- outbox): a receipt promised is never lost to a crash between the payment and the send.
CREATE TABLE sms_messages (
  id               text PRIMARY KEY,
  intent_id        text REFERENCES payment_intents (id),
  kind             text NOT NULL CHECK (kind IN ('receipt', 'notice', 'reply')),
  recipient        text NOT NULL,
  body             text NOT NULL,
  -- queued: to send (again); sent: the gateway took it; failed: refused for a reason of the recipient's.
  status           text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  -- Our own failures (key, credit, gateway down) since when: a person is told past a while.
  failing_since    timestamptz,
  -- The gateway id of the latest send, and how many times a delivery failure made us send again.
  gateway_id       text,
  resends          integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX sms_messages_queued ON sms_messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX sms_messages_by_intent ON sms_messages (intent_id);

-- Each hand-over to the gateway, by the id the gateway gave it: what delivery reports are about.
CREATE TABLE sms_sends (
  gateway_id       text PRIMARY KEY,
  sms_id           text NOT NULL REFERENCES sms_messages (id),
  recipient        text NOT NULL,
  sent_at          timestamptz NOT NULL,
  delivery_status  text,
  failure_reason   text,
  -- Set by the first final report; later reports are kept aside, never acted on.
  final_status     text,
  late_status      text
);
CREATE INDEX sms_sends_by_sms ON sms_sends (sms_id);

-- Inbound SMS by the gateway's id: the gateway posts one again every minute until it gets a 200.
CREATE TABLE sms_inbound (
  id           text PRIMARY KEY,
  sender       text NOT NULL,
  body         text NOT NULL,
  received_at  timestamptz NOT NULL,
  answered_at  timestamptz
);
CREATE INDEX sms_inbound_unanswered ON sms_inbound (received_at) WHERE answered_at IS NULL;
