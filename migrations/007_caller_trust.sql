-- A call's caller ID can be forged; only a call the carrier attests (STIR/
-- SHAKEN level A) may go on with what a number entered before. A number
-- that has texted the service itself may be texted about a call from it.
ALTER TABLE participants ADD COLUMN texted_at timestamptz;

-- The attestation of the last call of a conversation: a level, not
-- personal data.
ALTER TABLE conversations ADD COLUMN attestation text NOT NULL DEFAULT '';

-- A caller asking STATUS keys the request's reference on the keypad, each
-- letter as the key that bears it (Crockford base32 has no I, L, O or U):
-- those keys, with the date of birth, find the request.
ALTER TABLE requests ADD COLUMN reference_keys text
    GENERATED ALWAYS AS (translate(substr(reference, 4), 'ABCDEFGHJKMNPQRSTVWXYZ', '2223334455667777889999')) STORED;
CREATE INDEX requests_reference_keys ON requests (reference_keys);
