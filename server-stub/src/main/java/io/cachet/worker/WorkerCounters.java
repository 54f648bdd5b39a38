package io.cachet.worker;

import io.prometheus.metrics.core.metrics.Histogram;

import java.util.concurrent.atomic.LongAdder;

/** Bytes a worker served and stored, where the pages it missed came from, and how long requests took. */
final class WorkerCounters {
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder ufsPagesRead = new LongAdder();
    /** Pages served on a miss but not written to the cache, because the writes waiting for the disk were already at their limit. */
    final LongAdder pagesNotCached = new LongAdder();
    final LongAdder peerPagesFetched = new LongAdder();
    final LongAdder peerFetchFailures = new LongAdder();
    final LongAdder peerPageRequests = new LongAdder();
    /** From a READ request to its END frame being written. */
    final Histogram readSeconds = Histogram.builder().name("cachet_worker_read_seconds")
            .help("Time a read request takes on the worker, from the request to its last byte handed to the connection").classicOnly().build();
    /** From WRITE_OPEN to the committed file's OK. */
    final Histogram writeSeconds = Histogram.builder().name("cachet_worker_write_seconds")
            .help("Time a write takes on the worker, from opening to the committed file").classicOnly().build();
}
