package io.cachet.transfer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TransferProtocolTest {
    /** Workers close a connection of another framing version: released clients and workers send exactly these bytes. */
    @Test
    void thePrefaceStaysAtFramingVersionOneSoReleasedClientsAndWorkersStillConnect() {
        ByteBuf preface = TransferProtocol.preface(ByteBufAllocator.DEFAULT);
        try {
            assertThat(ByteBufUtil.getBytes(preface)).containsExactly('C', 'A', 'C', 'H', 'E', 'T', 0, 1);
            assertThat(TransferProtocol.isPreface(preface)).isTrue();
        }
        finally {
            preface.release();
        }
    }
}
