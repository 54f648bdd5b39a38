package io.cachet.cli;

import io.cachet.coordinator.CoordinatorServer;
import io.cachet.worker.WorkerServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code cachet coordinator} and {@code cachet worker}: run one server until the process is stopped. */
final class ServerCommands {
    private ServerCommands() {}

    @Command(name = "coordinator", description = "Run a coordinator until stopped (Ctrl-C or SIGTERM).")
    static final class Coordinator implements Callable<Integer> {
        @ParentCommand
        private CachetCommand parent;

        @Mixin
        private ConfigOverrides overrides;

        @Override
        public Integer call() throws Exception {
            CoordinatorServer server = CoordinatorServer.start(parent.config(overrides.values));
            runUntilStopped(server);
            return 0;
        }
    }

    @Command(name = "worker", description = "Run a worker until stopped (Ctrl-C or SIGTERM).")
    static final class Worker implements Callable<Integer> {
        @ParentCommand
        private CachetCommand parent;

        @Mixin
        private ConfigOverrides overrides;

        @Override
        public Integer call() throws Exception {
            WorkerServer server = WorkerServer.start(parent.config(overrides.values));
            runUntilStopped(server);
            return 0;
        }
    }

    static void runUntilStopped(AutoCloseable server) throws Exception {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                server.close();
            }
            catch (Exception e) {
                System.err.println("cachet: error while stopping: " + e.getMessage());
            }
            stopped.countDown();
        }, "cachet-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        }
        catch (InterruptedException e) {
            // Stopped from inside the JVM (a program embedding the command line, a test): stop here, not at exit.
            Runtime.getRuntime().removeShutdownHook(hook);
            server.close();
            throw e;
        }
    }
}
