package io.cachet.trino;

import io.trino.spi.Page;
import io.trino.spi.block.Block;
import io.trino.spi.block.RunLengthEncodedBlock;
import io.trino.spi.connector.SourcePage;

import java.util.List;
import java.util.Map;

/**
 * Lays out the columns a query asked for: data columns from the file reader's page (in the order they
 * were read), partition keys as constants from the split's folder names.
 */
final class PartitionedPages {
    private final int[] dataChannel;
    private final List<CachetColumnHandle> requested;
    private final Object[] constants;

    /** {@code dataColumns} are the requested columns that the reader produces, in its channel order. */
    PartitionedPages(List<CachetColumnHandle> requested, List<CachetColumnHandle> dataColumns, Map<String, String> partitionValues) {
        this.dataChannel = new int[requested.size()];
        this.requested = List.copyOf(requested);
        this.constants = new Object[requested.size()];
        for (int i = 0; i < requested.size(); i++) {
            CachetColumnHandle column = requested.get(i);
            if (column.partitionKey()) {
                dataChannel[i] = -1;
                constants[i] = TextValues.parse(column.type(), partitionValues.get(column.name()));
            }
            else {
                dataChannel[i] = dataColumns.indexOf(column);
            }
        }
    }

    static List<CachetColumnHandle> dataColumns(List<CachetColumnHandle> requested) {
        return requested.stream().filter(column -> !column.partitionKey()).toList();
    }

    SourcePage assemble(SourcePage data) {
        int positions = data.getPositionCount();
        Block[] blocks = new Block[dataChannel.length];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = dataChannel[i] >= 0 ? data.getBlock(dataChannel[i]) : RunLengthEncodedBlock.create(requested.get(i).type(), constants[i], positions);
        }
        return SourcePage.create(new Page(positions, blocks));
    }
}
