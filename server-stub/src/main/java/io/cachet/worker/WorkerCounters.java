package io.cachet.worker;

import java.util.concurrent.atomic.LongAdder;

/** Bytes a worker served and stored. */
final class WorkerCounters {
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
}
