package dev.vnet.apiserver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.store.ClusterStore.UnavailableException;
import dev.vnet.apiserver.store.ClusterStoreContract.Recorder;
import dev.vnet.apiserver.store.ClusterStoreContract.Thing;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What only etcd has: its key layout, and surviving etcd going away and coming back. */
@Tag("etcd")
class EtcdStoreTest {
    private static final String THING = ClusterStoreContract.THING;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private EtcdStore store;

    @BeforeEach
    void connect() {
        EtcdTestSupport.wipe();
        store = EtcdStore.connect(EtcdTestSupport.endpoint(), ClusterStoreContract.KINDS, TIMEOUT);
    }

    @AfterEach
    void closeAndRestartEtcd() throws Exception {
        store.close();
        if (!EtcdTestSupport.running()) {
            EtcdTestSupport.start();
        }
    }

    // --- layout ---

    @Test
    void keysAreLaidOutAsVnetKindNamespaceName() throws Exception {
        store.create("Pod", "default/web", new Thing("pod"));
        store.create("Node", "/node-1", new Thing("node"));

        try (Client raw = Client.builder().endpoints(EtcdStore.toHttp(EtcdTestSupport.endpoint())).build()) {
            List<KeyValue> kvs = raw.getKVClient()
                    .get(ByteSequence.from("/vnet/", StandardCharsets.UTF_8), GetOption.builder().isPrefix(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs();
            assertEquals(List.of("/vnet/node/node-1 {\"value\":\"node\"}", "/vnet/pod/default/web {\"value\":\"pod\"}"),
                    kvs.stream().map(kv -> kv.getKey().toString(StandardCharsets.UTF_8) + " "
                            + kv.getValue().toString(StandardCharsets.UTF_8)).toList());
        }
    }

    @Test
    void keysComeBackExactly() {
        for (String key : List.of("default/web", "kube-system/kube-dns", "/node-1", "/10.244.1.0-24")) {
            String etcdKey = EtcdStore.etcdKey("EndpointSlice", key);
            assertTrue(etcdKey.startsWith("/vnet/endpointslice/"), etcdKey);
            assertEquals(key, EtcdStore.storeKey("EndpointSlice", etcdKey));
        }
        for (String bad : List.of("web", "default/", "/", "a/b/c", "//x")) {
            assertThrows(IllegalArgumentException.class, () -> EtcdStore.etcdKey("Pod", bad), bad);
        }
    }

    @Test
    void endpointsAreEtcdOrHttpWithHostAndPort() {
        assertEquals("http://192.168.56.11:2379", EtcdStore.toHttp("etcd://192.168.56.11:2379").toString());
        assertEquals("http://127.0.0.1:2379", EtcdStore.toHttp("http://127.0.0.1:2379").toString());
        for (String bad : List.of("192.168.56.11:2379", "etcd://host", "https://h:1", "etcd//x:1")) {
            assertThrows(IllegalArgumentException.class, () -> EtcdStore.toHttp(bad), bad);
        }
        assertEquals("etcd://127.0.0.1:2379",
                EtcdStore.connect("etcd://127.0.0.1:2379", ClusterStoreContract.KINDS, TIMEOUT).describe());
    }

    // --- etcd going away ---

    @Test
    void callsWhileEtcdIsDownFailWithinTheTimeoutInOneLine() throws Exception {
        store.revision(); // connected once
        EtcdTestSupport.stop();

        assertUnavailable(() -> store.get(THING, "default/a", Thing.class));
        assertUnavailable(() -> store.list(THING, Thing.class));
        assertUnavailable(() -> store.create(THING, "default/a", new Thing("a")));
        assertUnavailable(() -> store.update(THING, "default/a", new Thing("a"), -1));
        assertUnavailable(() -> store.delete(THING, "default/a"));
        assertUnavailable(() -> store.revision());
        assertUnavailable(() -> store.grantLease(Duration.ofSeconds(5)));
        assertUnavailable(() -> store.keepAlive(1));
        UnavailableException never = assertUnavailable(() -> EtcdStore
                .connect(EtcdTestSupport.endpoint(), ClusterStoreContract.KINDS, TIMEOUT).revision());
        assertEquals("the cluster store " + EtcdTestSupport.endpoint() + " is unreachable", never.getMessage()
                .substring(0, never.getMessage().indexOf(" (")));
    }

    private static UnavailableException assertUnavailable(Executable call) {
        long start = System.nanoTime();
        UnavailableException e = assertThrows(UnavailableException.class, call);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(TIMEOUT.plusSeconds(1)) < 0, "took " + took.toMillis() + " ms");
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertFalse(m.contains("\tat "), m);
        assertTrue(m.startsWith("the cluster store " + EtcdTestSupport.endpoint() + " is unreachable ("), m);
        assertTrue(m.endsWith("): is etcd running?"), m);
        return e;
    }

    @Test
    void aWatchSurvivesAnEtcdRestartWithoutLosingOrRepeatingEvents() throws Exception {
        Recorder r = new Recorder();
        store.watch(THING, store.revision(), r::accept);
        long a = store.create(THING, "default/a", new Thing("a"));
        assertEquals(ClusterStoreContract.put(THING, "default/a", new Thing("a"), a), r.next());

        EtcdTestSupport.stop();
        Thread.sleep(500); // the watch notices, and retries in vain a while
        EtcdTestSupport.start();
        long b = writeWhenReachable("default/b");
        long c = store.create(THING, "default/c", new Thing("c"));

        assertEquals(ClusterStoreContract.put(THING, "default/b", new Thing("b"), b), r.next());
        assertEquals(ClusterStoreContract.put(THING, "default/c", new Thing("c"), c), r.next());
        r.assertQuiet();
    }

    @Test
    void aWatchOpenedWhileEtcdIsDownStartsWhenItComesBack() throws Exception {
        long from = store.create(THING, "default/a", new Thing("a"));
        EtcdTestSupport.stop();

        Recorder r = new Recorder();
        store.watch(THING, from, r::accept);
        Thread.sleep(500);
        EtcdTestSupport.start();
        long b = writeWhenReachable("default/b");

        assertEquals(ClusterStoreContract.put(THING, "default/b", new Thing("b"), b), r.next());
        r.assertQuiet();
    }

    @Test
    void aWatchOfAnEtcdThatLostItsDataSaysRelist() throws Exception {
        Recorder r = new Recorder();
        store.watch(THING, store.revision(), r::accept);
        for (String k : List.of("a", "b", "c")) {
            store.create(THING, "default/" + k, new Thing(k));
            r.next();
        }

        EtcdTestSupport.stop();
        EtcdTestSupport.wipeData();
        EtcdTestSupport.start();

        ClusterStore.Event relist = r.next();
        assertEquals(ClusterStore.EventType.RELIST, relist.type());
        long d = writeWhenReachable("default/d");
        assertTrue(d > relist.revision(), "write at " + d + ", relist at " + relist.revision());
        assertEquals(ClusterStoreContract.put(THING, "default/d", new Thing("d"), d), r.next());
        r.assertQuiet();
    }

    /** Creates a key once this client reaches etcd again (its connection may still be backing off). */
    private long writeWhenReachable(String key) throws Exception {
        long deadline = System.nanoTime() + ClusterStoreContract.WAIT.toNanos();
        while (true) {
            try {
                store.revision();
                break;
            } catch (UnavailableException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
        return store.create(THING, key, new Thing(key.substring(key.indexOf('/') + 1)));
    }
}
