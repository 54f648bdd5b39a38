package io.cachet.coordinator;

import io.cachet.routing.CachetPaths;
import io.cachet.routing.HashRing;
import io.cachet.routing.WorkerAddress;
import io.cachet.rpc.proto.FileStatus;
import io.cachet.rpc.proto.FilesProgress;
import io.cachet.rpc.proto.FilesRequest;
import io.cachet.rpc.proto.InternodeServiceGrpc;
import io.cachet.rpc.proto.JobStatus;
import io.cachet.rpc.proto.PathRequest;
import io.cachet.rpc.proto.WorkerServiceGrpc;
import io.cachet.server.PeerChannels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Load and free jobs: every file under a path is listed through its owners, split into one task per
 * owning worker, and each task runs on its worker (coordinator-to-worker traffic, encrypted as the
 * internode mode says). The caller sees the summed progress of all tasks until the last one ends.
 */
final class CacheJobs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheJobs.class);

    enum Kind {
        LOAD,
        FREE
    }

    private final MembershipView registry;
    private final PeerChannels channels;
    private final int virtualNodes;
    private final Duration callTimeout;
    private final ExecutorService executor = Executors.newCachedThreadPool(new DefaultThreadFactory("cachet-coordinator-jobs", true));

    CacheJobs(MembershipView registry, PeerChannels channels, int virtualNodes, Duration callTimeout) {
        this.registry = registry;
        this.channels = channels;
        this.virtualNodes = virtualNodes;
        this.callTimeout = callTimeout;
    }

    void start(Kind kind, String path, ServerCallStreamObserver<JobStatus> caller) {
        // gRPC takes the cancel handler only before the service method returns; a caller that goes away (Ctrl-C on cachet load) stops the tasks too.
        AtomicReference<Job> job = new AtomicReference<>();
        caller.setOnCancelHandler(() -> Optional.ofNullable(job.get()).ifPresent(Job::cancelTasks));
        executor.execute(() -> {
            try {
                run(kind, CachetPaths.normalize(path), caller, job);
            }
            catch (StatusRuntimeException e) {
                caller.onError(e);
            }
            catch (IllegalArgumentException e) {
                caller.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            }
            catch (RuntimeException e) {
                log.error("{} job on {} failed", kind, path, e);
                caller.onError(Status.INTERNAL.withDescription("The %s job on %s failed: %s".formatted(verb(kind), path, e)).asRuntimeException());
            }
        });
    }

    private void run(Kind kind, String path, ServerCallStreamObserver<JobStatus> caller, AtomicReference<Job> started) {
        HashRing ring = HashRing.of(registry.snapshot().getWorkersList().stream().map(WorkerAddress::from).toList(), virtualNodes);
        if (ring.isEmpty()) {
            throw Status.UNAVAILABLE.withDescription("No workers are registered: nothing to %s %s into".formatted(verb(kind), path)).asRuntimeException();
        }
        Map<WorkerAddress, List<FileStatus>> tasks = new LinkedHashMap<>();
        for (FileStatus file : files(ring, path)) {
            tasks.computeIfAbsent(ring.owner(file.getPath()).orElseThrow(), any -> new ArrayList<>()).add(file);
        }
        Job job = new Job(caller, tasks);
        started.set(job);
        log.info("{} {}: {} files, {} bytes on {} workers", kind == Kind.LOAD ? "Load" : "Free", path, job.totalFiles, job.totalBytes, tasks.size());
        job.report();
        if (tasks.isEmpty()) {
            job.finish();
            return;
        }
        tasks.forEach((worker, files) -> {
            FilesRequest request = FilesRequest.newBuilder().addAllPaths(files.stream().map(FileStatus::getPath).toList()).build();
            InternodeServiceGrpc.InternodeServiceStub stub = InternodeServiceGrpc.newStub(channels.to(worker));
            if (kind == Kind.LOAD) {
                stub.loadFiles(request, job.task(worker));
            }
            else {
                stub.freeFiles(request, job.task(worker));
            }
        });
    }

    /** Every file at or under {@code path}, each directory listed by its owner, as a client would. */
    private List<FileStatus> files(HashRing ring, String path) {
        FileStatus root = metadata(ring, path).getStatus(PathRequest.newBuilder().setPath(path).build()).getStatus();
        List<FileStatus> files = new ArrayList<>();
        Deque<FileStatus> pending = new ArrayDeque<>(List.of(root));
        while (!pending.isEmpty()) {
            FileStatus next = pending.pop();
            if (!next.getDirectory()) {
                files.add(next);
                continue;
            }
            pending.addAll(metadata(ring, next.getPath()).listStatus(PathRequest.newBuilder().setPath(next.getPath()).build()).getStatusesList());
        }
        return files;
    }

    private WorkerServiceGrpc.WorkerServiceBlockingStub metadata(HashRing ring, String path) {
        return WorkerServiceGrpc.newBlockingStub(channels.to(ring.owner(path).orElseThrow()))
                .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String verb(Kind kind) {
        return kind == Kind.LOAD ? "load" : "free";
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** The progress of all tasks of one job, reported to the caller after every step of any task. */
    private static final class Job {
        private final ServerCallStreamObserver<JobStatus> caller;
        private final long totalFiles;
        private final long totalBytes;
        private final int workers;
        private final Map<String, FilesProgress> progress = new LinkedHashMap<>();
        private final List<String> failures = new ArrayList<>();
        private final List<ClientCallStreamObserver<?>> calls = new ArrayList<>();
        private int running;
        private boolean finished;

        Job(ServerCallStreamObserver<JobStatus> caller, Map<WorkerAddress, List<FileStatus>> tasks) {
            this.caller = caller;
            this.totalFiles = tasks.values().stream().mapToLong(List::size).sum();
            this.totalBytes = tasks.values().stream().flatMap(List::stream).mapToLong(FileStatus::getLength).sum();
            this.workers = tasks.size();
            this.running = tasks.size();
        }

        ClientResponseObserver<FilesRequest, FilesProgress> task(WorkerAddress worker) {
            return new ClientResponseObserver<>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<FilesRequest> call) {
                    synchronized (Job.this) {
                        calls.add(call);
                    }
                }

                @Override
                public void onNext(FilesProgress value) {
                    synchronized (Job.this) {
                        progress.put(worker.id(), value);
                        report();
                    }
                }

                @Override
                public void onError(Throwable error) {
                    synchronized (Job.this) {
                        failures.add("worker %s at %s: %s".formatted(worker.id(), worker.rpcEndpoint(), Status.fromThrowable(error)));
                        taskEnded();
                    }
                }

                @Override
                public void onCompleted() {
                    synchronized (Job.this) {
                        taskEnded();
                    }
                }
            };
        }

        private void taskEnded() {
            if (--running == 0) {
                finish();
            }
        }

        synchronized void report() {
            if (!finished && !caller.isCancelled()) {
                caller.onNext(status(false));
            }
        }

        synchronized void finish() {
            if (finished) {
                return;
            }
            finished = true;
            if (!caller.isCancelled()) {
                caller.onNext(status(true));
                caller.onCompleted();
            }
        }

        synchronized void cancelTasks() {
            calls.forEach(call -> call.cancel("the caller went away", null));
        }

        private JobStatus status(boolean last) {
            JobStatus.Builder status = JobStatus.newBuilder()
                    .setTotalFiles(totalFiles)
                    .setTotalBytes(totalBytes)
                    .setWorkers(workers)
                    .addAllFailures(failures)
                    .setFinished(last);
            for (FilesProgress task : progress.values()) {
                status.setFilesDone(status.getFilesDone() + task.getFilesDone())
                        .setBytesDone(status.getBytesDone() + task.getBytesDone())
                        .setPagesChanged(status.getPagesChanged() + task.getPagesChanged())
                        .setPagesAlreadyCached(status.getPagesAlreadyCached() + task.getPagesAlreadyCached())
                        .addAllFailures(task.getFailuresList());
            }
            return status.build();
        }
    }
}
