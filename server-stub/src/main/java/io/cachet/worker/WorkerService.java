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
import java.util.function.Supplier;

/** Metadata of the under-file-system over gRPC; file-system errors travel as {@link RemoteErrors} trailers. */
final class WorkerService extends WorkerServiceGrpc.WorkerServiceImplBase {
    private final UnderFileSystem ufs;
    private final Supplier<WorkerMetrics> metrics;

    WorkerService(UnderFileSystem ufs, Supplier<WorkerMetrics> metrics) {
        this.ufs = ufs;
        this.metrics = metrics;
    }

    @Override
    public void getStatus(PathRequest request, StreamObserver<FileStatusResponse> response) {
        answer(response, () -> FileStatusResponse.newBuilder().setStatus(toProto(ufs.status(request.getPath()))).build());
    }

    @Override
    public void listStatus(PathRequest request, StreamObserver<ListStatusResponse> response) {
        answer(response, () -> ListStatusResponse.newBuilder()
                .addAllStatuses(ufs.list(request.getPath()).stream().map(WorkerService::toProto).toList())
                .build());
    }

    @Override
    public void mkdirs(MkdirsRequest request, StreamObserver<BoolResponse> response) {
        answer(response, () -> bool(ufs.mkdirs(request.getPath())));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<BoolResponse> response) {
        answer(response, () -> bool(ufs.delete(request.getPath(), request.getRecursive())));
    }

    @Override
    public void rename(RenameRequest request, StreamObserver<BoolResponse> response) {
        answer(response, () -> bool(ufs.rename(request.getSource(), request.getDestination())));
    }

    @Override
    public void getMetrics(WorkerMetricsRequest request, StreamObserver<WorkerMetrics> response) {
        response.onNext(metrics.get());
        response.onCompleted();
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> void answer(StreamObserver<T> response, Call<T> call) {
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
