package io.cachet.worker;

import io.cachet.client.FileStatus;
import io.cachet.rpc.RemoteErrors;
import io.cachet.rpc.proto.BoolResponse;
import io.cachet.rpc.proto.DeleteRequest;
import io.cachet.rpc.proto.FileStatusResponse;
import io.cachet.rpc.proto.ListStatusResponse;
import io.cachet.rpc.proto.MkdirsRequest;
import io.cachet.rpc.proto.PathRequest;
import io.cachet.rpc.proto.RenameRequest;
import io.cachet.rpc.proto.WorkerMetrics;
import io.cachet.rpc.proto.WorkerMetricsRequest;
import io.cachet.rpc.proto.WorkerServiceGrpc;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Metadata of the under-file-system over gRPC; file-system errors travel as {@link RemoteErrors} trailers.
 * Calls arrive on the transport's threads: a status, the hot call, is answered there when it is a few
 * local system calls; everything else, and every call to a remote store, runs on {@code blocking}.
 */
final class WorkerService extends WorkerServiceGrpc.WorkerServiceImplBase {
    private final UnderFileSystem ufs;
    private final Supplier<WorkerMetrics> metrics;
    private final Executor status;
    private final Executor blocking;

    WorkerService(UnderFileSystem ufs, Supplier<WorkerMetrics> metrics, Executor status, Executor blocking) {
        this.ufs = ufs;
        this.metrics = metrics;
        this.status = status;
        this.blocking = blocking;
    }

    @Override
    public void getStatus(PathRequest request, StreamObserver<FileStatusResponse> response) {
        answer(status, response, () -> FileStatusResponse.newBuilder().setStatus(toProto(ufs.status(request.getPath()))).build());
    }

    @Override
    public void listStatus(PathRequest request, StreamObserver<ListStatusResponse> response) {
        answer(blocking, response, () -> ListStatusResponse.newBuilder()
                .addAllStatuses(ufs.list(request.getPath()).stream().map(WorkerService::toProto).toList())
                .build());
    }

    @Override
    public void mkdirs(MkdirsRequest request, StreamObserver<BoolResponse> response) {
        answer(blocking, response, () -> bool(ufs.mkdirs(request.getPath())));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<BoolResponse> response) {
        answer(blocking, response, () -> bool(ufs.delete(request.getPath(), request.getRecursive())));
    }

    @Override
    public void rename(RenameRequest request, StreamObserver<BoolResponse> response) {
        answer(blocking, response, () -> bool(ufs.rename(request.getSource(), request.getDestination())));
    }

    @Override
    public void getMetrics(WorkerMetricsRequest request, StreamObserver<WorkerMetrics> response) {
        response.onNext(metrics.get());
        response.onCompleted();
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> void answer(Executor executor, StreamObserver<T> response, Call<T> call) {
        OffloadedCall.run(executor, response, () -> {
            T result;
            try {
                result = call.run();
            }
            catch (IOException e) {
                response.onError(RemoteErrors.toStatus(e, ufs.clientMessage(e)));
                return;
            }
            response.onNext(result);
            response.onCompleted();
        });
    }

    private static BoolResponse bool(boolean value) {
        return BoolResponse.newBuilder().setResult(value).build();
    }

    private static io.cachet.rpc.proto.FileStatus toProto(FileStatus status) {
        return io.cachet.rpc.proto.FileStatus.newBuilder()
                .setPath(status.path())
                .setLength(status.length())
                .setDirectory(status.directory())
                .setModificationTimeMillis(status.modificationTime())
                .build();
    }
}
