package io.cachet.trino;

import io.airlift.slice.Slice;
import io.cachet.client.CachetOutputStream;
import io.trino.parquet.writer.ParquetSchemaConverter;
import io.trino.parquet.writer.ParquetWriter;
import io.trino.parquet.writer.ParquetWriterOptions;
import io.trino.spi.Page;
import io.trino.spi.connector.ConnectorPageSink;
import io.trino.spi.type.Type;
import org.apache.parquet.format.CompressionCodec;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static io.airlift.slice.Slices.utf8Slice;

/**
 * Writes one Parquet file into a write's staging folder. The file appears there only when the writer
 * closes (Cachet renames it into place), and the coordinator moves it into the table when the whole
 * query succeeds; an aborted sink drops its file unwritten.
 */
final class ParquetPageSink implements ConnectorPageSink {
    private final String path;
    private final CachetOutputStream output;
    private final ParquetWriter writer;

    ParquetPageSink(String path, CachetOutputStream output, List<CachetColumnHandle> columns, String trinoVersion) {
        this.path = path;
        this.output = output;
        List<Type> types = columns.stream().map(CachetColumnHandle::type).toList();
        List<String> names = columns.stream().map(CachetColumnHandle::name).toList();
        ParquetSchemaConverter schema = new ParquetSchemaConverter(types, names, false, false);
        this.writer = new ParquetWriter(output, schema.getMessageType(), schema.getPrimitiveTypes(), ParquetWriterOptions.builder().build(),
                CompressionCodec.SNAPPY, trinoVersion, Optional.empty(), Optional.empty());
    }

    @Override
    public CompletableFuture<?> appendPage(Page page) {
        try {
            writer.write(page);
        }
        catch (IOException e) {
            throw CachetErrorCode.failure("Cannot write " + path, e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
        }
        return NOT_BLOCKED;
    }

    @Override
    public CompletableFuture<Collection<Slice>> finish() {
        try {
            writer.close();
        }
        catch (IOException e) {
            output.abort();
            throw CachetErrorCode.failure("Cannot finish " + path, e, CachetErrorCode.CACHET_FILESYSTEM_ERROR);
        }
        return CompletableFuture.completedFuture(List.of(utf8Slice(path)));
    }

    @Override
    public void abort() {
        output.abort();
    }

    @Override
    public long getCompletedBytes() {
        return writer.getEstimatedWrittenBytes();
    }

    @Override
    public long getMemoryUsage() {
        return writer.getRetainedBytes();
    }
}
