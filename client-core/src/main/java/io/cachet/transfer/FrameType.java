package io.cachet.transfer;

/** The frames of the page-transfer protocol. */
public enum FrameType {
    /** Client: path, offset, length. Answered by DATA frames and one END, or an ERROR. */
    READ(1),
    /** Client: path, overwrite, create parents. Answered by OK or ERROR. */
    WRITE_OPEN(2),
    /** Client: bytes of the file being written. Not answered. */
    WRITE_DATA(3),
    /** Client: commit the file. Answered by OK once it is in place, or ERROR. */
    WRITE_CLOSE(4),
    /**
     * Client: path. Answered by one FILE_STATUS, or an ERROR. Only workers that advertise data protocol
     * {@link TransferProtocol#STATUS_SINCE} or later know it; older ones answer status over gRPC alone.
     */
    STATUS(5),
    DATA(10),
    END(11),
    OK(12),
    /** Error code and message. */
    ERROR(13),
    /** Path, length, directory flag, modification time (ms since the epoch). */
    FILE_STATUS(14);

    private final byte wireValue;

    FrameType(int wireValue) {
        this.wireValue = (byte) wireValue;
    }

    public byte wireValue() {
        return wireValue;
    }

    public static FrameType fromWire(byte value) {
        for (FrameType type : values()) {
            if (type.wireValue == value) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown frame type " + value);
    }
}
