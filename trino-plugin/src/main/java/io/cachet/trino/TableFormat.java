package io.cachet.trino;

/** How a table's files are encoded. */
public enum TableFormat {
    PARQUET(".parquet"),
    /** Text with a header line, comma-separated, RFC 4180 quoting. */
    CSV(".csv");

    private final String extension;

    TableFormat(String extension) {
        this.extension = extension;
    }

    String extension() {
        return extension;
    }
}
