package io.quorumd.pm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quorumd.crypto.Bytes;
import io.quorumd.wire.DecodeException;
import io.quorumd.wire.Json;
import io.quorumd.wire.JsonFields;
import io.quorumd.wire.RejectReason;

/**
 * The account operations an ordered request may carry (DESIGN §14), each signed by the account holder — for
 * {@code pm.redeem}, by the ticket's recipient. Args are read strictly: a missing, extra or malformed field makes
 * the request invalid on every node alike. Amounts are integers in [0, 2^53 − 1].
 */
public sealed interface PmOp {
    String FUND = "pm.fund";
    String UNLOCK = "pm.unlock";
    String CANCEL_UNLOCK = "pm.cancelUnlock";
    String WITHDRAW = "pm.withdraw";
    String REDEEM = "pm.redeem";

    /** The op name of the request. */
    String op();

    /** The request's args. */
    ObjectNode args();

    /** Adds to the signer's deposit and reserve; cancels a running unlock. */
    record Fund(long deposit, long reserve) implements PmOp {
        public Fund {
            if (deposit < 0 || reserve < 0) {
                throw new IllegalArgumentException("amounts are never negative");
            }
        }

        @Override
        public String op() {
            return FUND;
        }

        @Override
        public ObjectNode args() {
            ObjectNode o = Json.object();
            o.put("deposit", deposit);
            o.put("reserve", reserve);
            return o;
        }
    }

    /** Starts the unlock period of the signer's funds. */
    record Unlock() implements PmOp {
        @Override
        public String op() {
            return UNLOCK;
        }

        @Override
        public ObjectNode args() {
            return Json.object();
        }
    }

    /** Stops a running unlock. */
    record CancelUnlock() implements PmOp {
        @Override
        public String op() {
            return CANCEL_UNLOCK;
        }

        @Override
        public ObjectNode args() {
            return Json.object();
        }
    }

    /** Takes out deposit and reserve once the unlock period is over. */
    record Withdraw() implements PmOp {
        @Override
        public String op() {
            return WITHDRAW;
        }

        @Override
        public ObjectNode args() {
            return Json.object();
        }
    }

    /** A recipient's claim of one winning ticket, revealing rand: {rand, sig, ticket}. */
    record Redeem(SignedTicket signed, Bytes rand) implements PmOp {
        public Redeem {
            if (rand.length() != 32) {
                throw new IllegalArgumentException("rand is 32 bytes");
            }
        }

        @Override
        public String op() {
            return REDEEM;
        }

        @Override
        public ObjectNode args() {
            ObjectNode o = Json.object();
            o.put("rand", rand.hex());
            o.put("sig", signed.sig().base64());
            o.set("ticket", signed.ticket().toJson());
            return o;
        }
    }

    /** Whether {@code op} names an account operation. */
    static boolean isPmOp(String op) {
        return op.equals(FUND) || op.equals(UNLOCK) || op.equals(CANCEL_UNLOCK) || op.equals(WITHDRAW) || op.equals(REDEEM);
    }

    /** The operation of a request; throws for an unknown op or args that do not fit its schema. */
    static PmOp parse(String op, ObjectNode args) throws DecodeException {
        JsonFields f = new JsonFields(args, "args");
        PmOp parsed = switch (op) {
            case FUND -> new Fund(PmJson.ranged(f, "deposit", 0), PmJson.ranged(f, "reserve", 0));
            case UNLOCK -> new Unlock();
            case CANCEL_UNLOCK -> new CancelUnlock();
            case WITHDRAW -> new Withdraw();
            case REDEEM -> {
                Bytes rand = PmJson.bytes32(f, "rand");
                Bytes sig = PmJson.sig(f, "sig");
                JsonFields t = new JsonFields(f.object("ticket"), "args.ticket");
                Ticket ticket = Ticket.read(t);
                t.done();
                yield new Redeem(new SignedTicket(ticket, sig), rand);
            }
            default -> throw new DecodeException(RejectReason.BAD_VALUE, "unknown op " + op);
        };
        f.done();
        return parsed;
    }
}
