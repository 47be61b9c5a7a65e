package io.quorumd.demo;

/**
 * Where the demo tells its story as it happens: one stage at a time, each shown while under way ({@link #progress})
 * and then closed with one line ({@link #done} or {@link #failed}). Called from the demo's thread only.
 */
public interface DemoStages {
    /** The stage under way and how far it got, e.g. "nodes online 3/7"; may be called many times a second. */
    void progress(String text);

    /** The stage under way completed as {@code text} says. */
    void done(String text);

    /** The stage under way did not complete; {@code text} says what is missing. */
    void failed(String text);

    /** A stage that was under way is left unfinished (the demo was interrupted): its line is cleared. */
    void close();

    /** Shows nothing: for callers that only want the report. */
    DemoStages SILENT = new DemoStages() {
        @Override
        public void progress(String text) {
        }

        @Override
        public void done(String text) {
        }

        @Override
        public void failed(String text) {
        }

        @Override
        public void close() {
        }
    };
}
