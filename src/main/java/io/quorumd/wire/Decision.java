package io.quorumd.wire;

/** An arbiter's verdict, by its wire name. */
public enum Decision {
    BUYER("BUYER"),
    SELLER("SELLER");

    private final String code;

    Decision(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Decision ofCode(String code) throws DecodeException {
        for (Decision d : values()) {
            if (d.code.equals(code)) {
                return d;
            }
        }
        throw new DecodeException(RejectReason.BAD_VALUE, "decision must be BUYER or SELLER");
    }
}
