package io.cachet.minicluster;

/** A server running in this JVM. */
final class InProcessNode<T extends AutoCloseable> implements MiniCluster.Node {
    private final T server;
    private volatile boolean alive = true;

    private InProcessNode(T server) {
        this.server = server;
    }

    static <T extends AutoCloseable> InProcessNode<T> of(T server) {
        return new InProcessNode<>(server);
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
    public boolean isAlive() {
        return alive;
    }
}
