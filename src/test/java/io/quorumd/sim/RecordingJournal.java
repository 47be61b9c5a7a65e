package io.quorumd.sim;

import io.quorumd.loop.InboundMessage;
import io.quorumd.loop.Journal;
import io.quorumd.wire.Envelope;
import java.util.ArrayList;
import java.util.List;

/** A {@link Journal} that keeps what a machine asked to record, for tests that drive one machine alone. */
public final class RecordingJournal implements Journal {
    public final List<InboundMessage> accepted = new ArrayList<>();
    public final List<List<Envelope>> evidence = new ArrayList<>();
    public final List<String> rejects = new ArrayList<>();

    @Override
    public void accepted(InboundMessage message) {
        accepted.add(message);
    }

    @Override
    public void evidence(String what, List<Envelope> envelopes) {
        evidence.add(List.copyOf(envelopes));
    }

    @Override
    public void rejected(String reason, String detail) {
        rejects.add(reason);
    }

    public long count(String reason) {
        return rejects.stream().filter(reason::equals).count();
    }
}
