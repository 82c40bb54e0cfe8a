-- The console's payment search: by customer reference (the other fields it searches already have
-- an index: phone, num_acquit, deposit_id), in the list's own (created_at, id) order.
CREATE INDEX payment_intents_by_ref_client ON payment_intents (ref_client, created_at, id);
-- Open flags oldest first: the console's list of what a person must look at, the longest-waiting on top.
-- (payment_intents_flagged, on flagged_at DESC, serves this order too: PostgreSQL reads it backwards.)
-- Receipt SMS failing for reasons of ours, for the console's health view.
CREATE INDEX sms_messages_failing ON sms_messages (failing_since) WHERE status = 'queued' AND failing_since IS NOT NULL;
