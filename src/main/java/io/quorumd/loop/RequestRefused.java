package io.quorumd.loop;

/**
 * A control request that the node answers with "no" (an unknown dispute, a vote it may not sign…): the
 * asker gets the message, and the loop counts no handler failure and logs no stack trace, since nothing
 * went wrong on the node.
 */
public class RequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RequestRefused(String message) {
        super(message);
    }
}
