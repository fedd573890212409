package org.gsamflink.modelstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** One writer publishes while readers keep reading the latest version: no reader may see a partial version. */
class ModelStoreConcurrencyTest {

    private static final String M = "concurrent";
    private static final int VERSIONS = 200;
    private static final int READERS = 3;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void readersOnlyEverSeeCompleteVersions() throws Exception {
        // Small keepLast, so retention deletes versions while readers may still be reading them.
        ModelStore writerStore = ModelStore.builder().root(dir.toUri()).keepLast(3).build();
        ModelStore readerStore = ModelStore.builder().root(dir.toUri()).build();
        AtomicBoolean writerDone = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                readers.add(pool.submit(() -> {
                    int reads = 0;
                    long previous = -1;
                    while (!writerDone.get() || reads == 0) {
                        Optional<ModelVersion> read = readerStore.readLatest(M);
                        if (read.isEmpty()) {
                            LockSupport.parkNanos(100_000);
                            continue;
                        }
                        ModelVersion v = read.get();
                        long n = v.version();
                        assertThat(v.metadata().version()).isEqualTo(n);
                        assertThat(v.metadata()).isEqualTo(TestVersions.metadata(M, n));
                        assertThat(v.modelBytes()).isEqualTo(TestVersions.modelBytes(M, n));
                        assertThat(v.optimizerState()).isEqualTo(TestVersions.optimizerBytes(M, n));
                        assertThat(n).as("LATEST never moves backwards").isGreaterThanOrEqualTo(previous);
                        previous = n;
                        reads++;
                        // Leave the writer some CPU on small machines; reads still interleave with every step.
                        LockSupport.parkNanos(50_000);
                    }
                    return reads;
                }));
            }
            Future<?> writer = pool.submit(() -> {
                try {
                    for (long v = 1; v <= VERSIONS; v++) {
                        assertThat(writerStore.publish(TestVersions.version(M, v))).isEqualTo(PublishResult.PUBLISHED);
                    }
                } finally {
                    writerDone.set(true);
                }
                return null;
            });
            writer.get(50, TimeUnit.SECONDS);
            int total = 0;
            for (Future<Integer> reader : readers) {
                total += reader.get(10, TimeUnit.SECONDS);
            }
            assertThat(total).isGreaterThanOrEqualTo(READERS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(readerStore.listVersions(M)).containsExactly(198L, 199L, 200L);
        assertThat(readerStore.readLatest(M)).get().extracting(ModelVersion::version).isEqualTo(200L);
    }
}
