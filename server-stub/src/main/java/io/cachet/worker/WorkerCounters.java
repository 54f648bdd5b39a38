package io.cachet.worker;

import java.util.concurrent.atomic.LongAdder;

/** Bytes a worker served and stored, and where the pages it missed came from. */
final class WorkerCounters {
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder ufsPagesRead = new LongAdder();
    final LongAdder peerPagesFetched = new LongAdder();
    final LongAdder peerFetchFailures = new LongAdder();
}
