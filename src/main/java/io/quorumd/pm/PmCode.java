package io.quorumd.pm;

/**
 * Why a micropayment input was refused: a stable code for the stats line and the executed result (never the
 * enum's ordinal). The recipient's ticket checks, the sender's params checks and the replicated accounts'
 * refusals share one list so a code means the same thing wherever it is counted.
 */
public enum PmCode {
    // recipient, per ticket, in the order they are checked (DESIGN §14)
    WRONG_RECIPIENT("wrong_recipient"),
    BAD_RAND("bad_rand"),
    BAD_TICKET_SIG("bad_ticket_sig"),
    PARAMS_EXPIRED("params_expired"),
    REPLAYED_NONCE("replayed_nonce"),
    TOO_MANY_NONCES("too_many_nonces"),
    INSUFFICIENT_FLOAT("insufficient_float"),
    // sender, on params and on paying
    UNSOLICITED_PARAMS("unsolicited_params"),
    KNOWN_PARAMS("known_params"),
    PARAMS_TOO_LONG("params_too_long"),
    PARAMS_EXPIRING("params_expiring"),
    TOO_FEW_NONCES("too_few_nonces"),
    EV_TOO_HIGH("ev_too_high"),
    BATCH_EV_TOO_HIGH("batch_ev_too_high"),
    FACE_VALUE_ABOVE_DEPOSIT("face_value_above_deposit"),
    UNLOCKING("unlocking"),
    NO_PARAMS("no_params"),
    PARAMS_USED_UP("params_used_up"),
    BAD_BATCH_SIZE("bad_batch_size"),
    // replicated accounts
    NOT_A_MEMBER("not_a_member"),
    BAD_AMOUNT("bad_amount"),
    NO_FUNDS("no_funds"),
    UNLOCK_IN_PROGRESS("unlock_in_progress"),
    NO_UNLOCK("no_unlock"),
    STILL_LOCKED("still_locked"),
    NOT_RECIPIENT("not_recipient"),
    NOT_WINNING("not_winning"),
    USED_TICKET("used_ticket"),
    OUTSIDE_CLAIM_WINDOW("outside_claim_window"),
    SENDER_UNLOCKED("sender_unlocked");

    private final String code;

    PmCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
