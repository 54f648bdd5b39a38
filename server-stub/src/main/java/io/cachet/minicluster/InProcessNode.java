package io.cachet.minicluster;

/** A server running in this JVM. */
final class InProcessNode<T extends AutoCloseable> implements MiniCluster.Node {
    private final T server;
    private final int rpcPort;
    private volatile boolean alive = true;

    private InProcessNode(T server, int rpcPort) {
        this.server = server;
        this.rpcPort = rpcPort;
    }

    static <T extends AutoCloseable> InProcessNode<T> of(T server, int rpcPort) {
        return new InProcessNode<>(server, rpcPort);
    }

    @Override
    public int rpcPort() {
        return rpcPort;
    }

    T server() {
        return server;
    }

    @Override
    public void close() {
        if (!alive) {
            return;
        }
        alive = false;
        try {
            server.close();
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot stop " + server, e);
        }
    }

    @Override
    public void kill() {
        close();
    }

    @Override
    public void suspend() {
        throw new UnsupportedOperationException("An in-process node cannot be frozen alone: start the cluster with separateProcesses(true)");
    }

    @Override
    public void resume() {
        throw new UnsupportedOperationException("An in-process node cannot be frozen alone: start the cluster with separateProcesses(true)");
    }

    @Override
    public boolean isAlive() {
        return alive;
    }
}
