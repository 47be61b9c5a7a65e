package io.quorumd.loop;

/**
 * Names what a timer is for (a heartbeat, a vote window of one proposal…). Keys are records so a
 * handler can tell a stale timer from the current one by value.
 */
public interface TimerKey {
}
