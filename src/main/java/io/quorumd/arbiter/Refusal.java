package io.quorumd.arbiter;

/** Why a message does not count: a stable code for the stats line and a detail for the log line. */
record Refusal(String code, String detail) {
}
