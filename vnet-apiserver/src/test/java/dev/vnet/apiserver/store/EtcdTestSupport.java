package dev.vnet.apiserver.store;

import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The etcd the tests were given. The etcd tests run in a JVM inside a network namespace of its own
 * (scripts/java-in-netns, Surefire execution etcd-tests), which starts etcd there and says where it is in
 * VNET_TEST_ETCD*; they never reach an etcd from the host's own network namespace.
 */
final class EtcdTestSupport {
    private EtcdTestSupport() {}

    /** The endpoint, http://127.0.0.1:2379 inside the test's namespace. */
    static String endpoint() {
        return env("VNET_TEST_ETCD");
    }

    private static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            fail(name + " is not set: the etcd tests run only through Maven's etcd-tests execution, whose JVM "
                    + "runs in a network namespace with its own etcd (scripts/java-in-netns)");
        }
        return v;
    }

    /** Deletes everything vnet wrote. */
    static void wipe() {
        try (Client c = Client.builder().endpoints(EtcdStore.toHttp(endpoint())).build()) {
            ByteSequence root = ByteSequence.from(EtcdStore.ROOT, StandardCharsets.UTF_8);
            c.getKVClient().delete(root, DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            fail("cannot empty etcd at " + endpoint() + ": " + e);
        }
    }

    /** The PID of the etcd now running (the wrapper's, or the one a test restarted). */
    static long pid() throws IOException {
        return Long.parseLong(Files.readString(Path.of(env("VNET_TEST_ETCD_PIDFILE"))).trim());
    }

    /** Stops etcd (SIGTERM, by its PID) and waits until it has gone. */
    static void stop() throws Exception {
        ProcessHandle etcd = ProcessHandle.of(pid()).orElseThrow(() -> new IllegalStateException("etcd is not running"));
        etcd.destroy();
        etcd.onExit().get(20, TimeUnit.SECONDS);
    }

    /** Deletes etcd's data directory (etcd stopped): the next start begins a new, empty cluster. */
    static void wipeData() throws IOException {
        Path data = Path.of(env("VNET_TEST_ETCD_DATA"));
        if (!Files.exists(data)) {
            return;
        }
        try (var files = Files.walk(data)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Whether the etcd of the PID file runs. */
    static boolean running() throws IOException {
        return ProcessHandle.of(pid()).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Starts etcd again with the wrapper's command, on the same data directory, and records its PID where the
     * wrapper ends it. Returns once it answers.
     */
    static void start() throws Exception {
        List<String> cmd = List.of(env("VNET_TEST_ETCD_CMD").split(" "));
        File log = Path.of(env("VNET_TEST_ETCD_DATA")).resolveSibling("etcd.log").toFile();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        Files.writeString(Path.of(env("VNET_TEST_ETCD_PIDFILE")), p.pid() + "\n");
        try (EtcdStore probe = EtcdStore.connect(endpoint(), ClusterStoreContract.KINDS, Duration.ofSeconds(1))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                try {
                    probe.revision();
                    return;
                } catch (ClusterStore.UnavailableException e) {
                    if (!p.isAlive() || System.nanoTime() - deadline > 0) {
                        fail("etcd did not come back: " + e.getMessage());
                    }
                    Thread.sleep(100);
                }
            }
        }
    }
}
