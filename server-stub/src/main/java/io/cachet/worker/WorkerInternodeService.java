package io.cachet.worker;

import com.google.protobuf.ByteString;
import io.cachet.rpc.proto.FilesProgress;
import io.cachet.rpc.proto.FilesRequest;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.PageRequest;
import io.cachet.rpc.proto.PageResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/** What the coordinator (load and free jobs) and peer workers (page fetch) ask of a worker. */
final class WorkerInternodeService extends InternodeServiceGrpc.InternodeServiceImplBase {
    private static final Pattern FILE_KEY = Pattern.compile("[0-9a-f]{32}");

    private final UnderFileSystem ufs;
    private final PageCache cache;
    private final PageFiller filler;
    private final Executor blocking;

    /** @param blocking where the calls run: they read and write files, and calls arrive on the transport's threads */
    WorkerInternodeService(UnderFileSystem ufs, PageCache cache, PageFiller filler, Executor blocking) {
        this.ufs = ufs;
        this.cache = cache;
        this.filler = filler;
        this.blocking = blocking;
    }

    @Override
    public void loadFiles(FilesRequest request, StreamObserver<FilesProgress> response) {
        OffloadedCall.run(blocking, response, () -> eachFile(request, response, (file, progress) -> {
            try (OpenVersions files = new OpenVersions(ufs)) {
                for (long index = 0; index < file.pageCount(cache.pageSize()); index++) {
                    if (cache.contains(file.key(), index)) {
                        progress.setPagesAlreadyCached(progress.getPagesAlreadyCached() + 1);
                    }
                    else {
                        filler.load(file, index, files);
                        progress.setPagesChanged(progress.getPagesChanged() + 1);
                    }
                }
            }
        }));
    }

    @Override
    public void freeFiles(FilesRequest request, StreamObserver<FilesProgress> response) {
        OffloadedCall.run(blocking, response, () -> eachFile(request, response, (file, progress) ->
                progress.setPagesChanged(progress.getPagesChanged() + cache.remove(file.key(), file.pageCount(cache.pageSize())))));
    }

    private interface FileTask {
        void run(FileVersion file, FilesProgress.Builder progress) throws IOException;
    }

    /** Runs {@code task} on the current version of each file, reporting after every file, until done or the caller cancels. */
    private void eachFile(FilesRequest request, StreamObserver<FilesProgress> response, FileTask task) {
        FilesProgress.Builder progress = FilesProgress.newBuilder();
        ServerCallStreamObserver<FilesProgress> call = (ServerCallStreamObserver<FilesProgress>) response;
        for (String path : request.getPathsList()) {
            if (call.isCancelled()) {
                return;
            }
            try {
                FileVersion file = ufs.version(path);
                task.run(file, progress);
                progress.setBytesDone(progress.getBytesDone() + file.length());
            }
            catch (IOException e) {
                progress.addFailures(path + ": " + ufs.clientMessage(e));
            }
            progress.setFilesDone(progress.getFilesDone() + 1);
            response.onNext(progress.build());
        }
        response.onCompleted();
    }

    @Override
    public void fetchPage(PageRequest request, StreamObserver<PageResponse> response) {
        OffloadedCall.run(blocking, response, () -> answerPage(request, response));
    }

    private void answerPage(PageRequest request, StreamObserver<PageResponse> response) {
        // The key names a file in the cache directory: anything but a key is refused, so it cannot name another file.
        if (!FILE_KEY.matcher(request.getFileKey()).matches() || request.getPageIndex() < 0) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("Not a page of this cache: key %s, page %d"
                    .formatted(request.getFileKey(), request.getPageIndex())).asRuntimeException());
            return;
        }
        Optional<ByteBuffer> page = cache.read(request.getFileKey(), request.getPageIndex());
        response.onNext(page.map(content -> PageResponse.newBuilder().setFound(true).setContent(ByteString.copyFrom(content)).build())
                .orElse(PageResponse.getDefaultInstance()));
        response.onCompleted();
    }
}
