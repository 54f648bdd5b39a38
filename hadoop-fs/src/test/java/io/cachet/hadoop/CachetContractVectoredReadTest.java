package io.cachet.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.contract.AbstractContractVectoredReadTest;
import org.apache.hadoop.fs.contract.AbstractFSContract;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/** Vectored reads through Hadoop's default implementation (positioned reads), with heap and direct buffers. */
@ParameterizedClass(name = "buffer-{0}")
@MethodSource("params")
class CachetContractVectoredReadTest extends AbstractContractVectoredReadTest {
    CachetContractVectoredReadTest(String bufferType) {
        super(bufferType);
    }

    @Override
    protected AbstractFSContract createContract(Configuration conf) {
        return new CachetContract(conf);
    }
}
