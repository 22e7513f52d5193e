package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.ClusterBootstrap;
import dev.vnet.apiserver.api.Kinds;
import dev.vnet.apiserver.store.MemoryStore;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lab whose port is taken (another lab, another API server) still starts, on a free port it then names. */
class KubeApiPortTest {
    @TempDir
    Path dir;

    @Test
    void aTakenPortFallsBackToAFreeOne() throws Exception {
        MemoryStore store = new MemoryStore();
        ClusterBootstrap.ensureNamespaces(store);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             KubeApiServer server = KubeApiServer.start(KubeHarness.backend(store), Kinds.builtIn(),
                     KubeCredentials.loadOrCreate(dir.resolve("kube")), taken.getLocalPort())) {
            assertNotEquals(taken.getLocalPort(), server.port());
            assertTrue(server.url().endsWith(":" + server.port()), server.url());
        }
    }
}
