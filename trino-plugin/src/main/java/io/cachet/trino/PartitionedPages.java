package io.cachet.trino;

import io.trino.spi.Page;
import io.trino.spi.block.Block;
import io.trino.spi.block.RunLengthEncodedBlock;
import io.trino.spi.connector.SourcePage;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Lays out the columns a query asked for: data columns from the file reader's page, partition keys as
 * constants from the split's folder names, and data columns the file lacks as NULL.
 */
final class PartitionedPages {
    private final List<CachetColumnHandle> requested;
    private final int[] readerChannel;
    private final Object[] constants;

    /**
     * @param dataColumns the requested data columns, in the order the reader was asked for them
     * @param readerChannel for each of {@code dataColumns}, its channel in the reader's pages, or -1 when the file lacks it
     */
    PartitionedPages(List<CachetColumnHandle> requested, List<CachetColumnHandle> dataColumns, int[] readerChannel, Map<String, String> partitionValues) {
        this.requested = List.copyOf(requested);
        this.readerChannel = new int[requested.size()];
        this.constants = new Object[requested.size()];
        for (int i = 0; i < requested.size(); i++) {
            CachetColumnHandle column = requested.get(i);
            if (column.partitionKey()) {
                this.readerChannel[i] = -1;
                constants[i] = TextValues.parse(column.type(), partitionValues.get(column.name()));
            }
            else {
                this.readerChannel[i] = readerChannel[dataColumns.indexOf(column)];
            }
        }
    }

    static List<CachetColumnHandle> dataColumns(List<CachetColumnHandle> requested) {
        return requested.stream().filter(column -> !column.partitionKey()).toList();
    }

    /** Channels for a reader that produces every data column, in order. */
    static int[] inOrder(List<CachetColumnHandle> dataColumns) {
        return IntStream.range(0, dataColumns.size()).toArray();
    }

    SourcePage assemble(SourcePage data) {
        int positions = data.getPositionCount();
        Block[] blocks = new Block[readerChannel.length];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = readerChannel[i] >= 0 ? data.getBlock(readerChannel[i]) : RunLengthEncodedBlock.create(requested.get(i).type(), constants[i], positions);
        }
        return SourcePage.create(new Page(positions, blocks));
    }
}
