package org.gsamflink.cli.stream;

/**
 * Something that runs beside a {@link StreamingRun}'s job (the demo's live serving): {@link #prepare} before the
 * job starts (to create its topics), {@link #start} once it runs, {@link #stop} after the job's final savepoint,
 * when every committed output is in.
 */
public interface RunCompanion {

    void prepare(String bootstrapServers) throws Exception;

    void start(String bootstrapServers) throws Exception;

    void stop() throws Exception;
}
