package dev.vnet.apiserver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vnet.apiserver.api.EndpointSliceKind;
import dev.vnet.apiserver.api.EndpointsKind;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Manifests;
import dev.vnet.apiserver.api.NodeKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.store.ClusterStore.ConflictException;
import dev.vnet.apiserver.store.ClusterStore.Event;
import dev.vnet.apiserver.store.ClusterStore.EventType;
import dev.vnet.apiserver.store.ClusterStore.Versioned;
import dev.vnet.apiserver.store.ClusterStore.Watch;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ClusterStore} does, run against each implementation: {@link MemoryStoreContractTest} and
 * {@link EtcdStoreContractTest}. A test never assumes absolute revisions (etcd's keep growing across tests),
 * only their order; waits poll with generous deadlines and never sleep a fixed long time.
 */
abstract class ClusterStoreContract {

    /** A stand-in resource: the store keeps any value that is JSON both ways. */
    record Thing(String value) {}

    static final String THING = "Thing";
    static final String OTHER = "Other";
    /** The kinds a store under test knows, for the values its watches decode. */
    static final Map<String, Class<?>> KINDS = Map.of(
            THING, Thing.class, OTHER, Thing.class,
            "Pod", Pod.class, "Service", Service.class, "Node", Node.class,
            "Endpoints", Endpoints.class, "EndpointSlice", EndpointSlice.class,
            "SubnetLease", dev.vnet.apiserver.api.SubnetLease.class);

    /** How long a test waits for something that should happen. */
    static final Duration WAIT = Duration.ofSeconds(10);
    /** How long a test waits for an event that should not come. */
    static final long QUIET_MILLIS = 300;

    /** A new client of the store under test: all clients opened during one test see the same data. */
    protected abstract ClusterStore connect();

    /** Called before each test: the store under test holds no resources afterwards. */
    protected abstract void emptyStore();

    private final List<ClusterStore> clients = new ArrayList<>();
    protected ClusterStore store;

    @BeforeEach
    void openStore() {
        emptyStore();
        store = client();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(ClusterStore::close);
        clients.clear();
    }

    /** A client closed after the test. */
    protected ClusterStore client() {
        ClusterStore c = connect();
        clients.add(c);
        return c;
    }

    /** A listener that queues what it is given, for the test thread to take with a timeout. */
    static final class Recorder {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        void accept(Event e) {
            events.add(e);
        }

        Event next() throws InterruptedException {
            Event e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(e, "no event within " + WAIT.toSeconds() + " s");
            return e;
        }

        void assertQuiet() throws InterruptedException {
            Event e = events.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
            assertNull(e, () -> "unexpected event " + e);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail(what + ": not within " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    static Event put(String kind, String key, Object value, long revision) {
        return new Event(EventType.PUT, kind, key, value, revision);
    }

    static Event deleted(String kind, String key, Object value, long revision) {
        return new Event(EventType.DELETE, kind, key, value, revision);
    }

    // --- reads and writes ---

    @Test
    void createGetUpdateDeleteGoThroughRevisionsInOrder() throws Exception {
        long created = store.create(THING, "default/a", new Thing("v1"));
        assertEquals(Optional.of(new Versioned<>(new Thing("v1"), created)), store.get(THING, "default/a", Thing.class));
        assertEquals(created, store.revision());

        long updated = store.update(THING, "default/a", new Thing("v2"), created);
        assertTrue(updated > created, "update revision " + updated + " after create " + created);
        assertEquals(Optional.of(new Versioned<>(new Thing("v2"), updated)), store.get(THING, "default/a", Thing.class));

        assertTrue(store.delete(THING, "default/a"));
        assertTrue(store.revision() > updated);
        assertEquals(Optional.empty(), store.get(THING, "default/a", Thing.class));
        assertFalse(store.delete(THING, "default/a"));
    }

    @Test
    void getOfAMissingKeyIsEmpty() throws Exception {
        store.create(THING, "default/a", new Thing("a"));

        assertEquals(Optional.empty(), store.get(THING, "default/missing", Thing.class));
        assertEquals(Optional.empty(), store.get(OTHER, "default/a", Thing.class));
    }

    @Test
    void listReturnsOneKindInKeyOrder() throws Exception {
        store.create(THING, "default/c", new Thing("c"));
        store.create(OTHER, "/cluster-wide", new Thing("other"));
        store.create(THING, "default/a", new Thing("a"));
        store.create(THING, "kube-system/b", new Thing("b"));

        assertEquals(List.of(new Thing("a"), new Thing("c"), new Thing("b")), store.list(THING, Thing.class));
        assertEquals(List.of(new Thing("other")), store.list(OTHER, Thing.class));
        assertEquals(List.of(), store.list(ServiceKind.KIND));
    }

    @Test
    void aClusterScopedKeyComesBackAsWritten() throws Exception {
        long rev = store.create(OTHER, "/node-1", new Thing("n"));

        assertEquals(Optional.of(new Versioned<>(new Thing("n"), rev)), store.get(OTHER, "/node-1", Thing.class));
        Recorder r = new Recorder();
        store.watch(OTHER, rev, r::accept);
        store.delete(OTHER, "/node-1");
        assertEquals("/node-1", r.next().key());
    }

    @Test
    void createOfAnExistingKeyThrowsConflictAndWritesNothing() throws Exception {
        long first = store.create(THING, "default/a", new Thing("first"));

        ConflictException e = assertThrows(ConflictException.class,
                () -> client().create(THING, "default/a", new Thing("second")));

        assertEquals("Thing default/a already exists", e.getMessage());
        assertEquals(first, store.revision());
        assertEquals(new Thing("first"), store.get(THING, "default/a", Thing.class).orElseThrow().value());
    }

    @Test
    void updateWithAStaleRevisionThrowsConflictAndWritesNothing() throws Exception {
        long first = store.create(THING, "default/a", new Thing("v1"));
        long second = store.update(THING, "default/a", new Thing("v2"), first);

        ConflictException e = assertThrows(ConflictException.class,
                () -> store.update(THING, "default/a", new Thing("v3"), first));

        assertEquals("Thing default/a was changed by someone else (revision " + second + ", expected " + first + ")",
                e.getMessage());
        assertEquals(second, store.revision());
        assertEquals(new Thing("v2"), store.get(THING, "default/a", Thing.class).orElseThrow().value());
    }

    @Test
    void updateWithMinusOneIgnoresTheRevisionButNeedsTheKey() throws Exception {
        long first = store.create(THING, "default/a", new Thing("v1"));
        store.update(THING, "default/a", new Thing("v2"), first);

        assertTrue(store.update(THING, "default/a", new Thing("v3"), -1) > first);
        assertEquals(new Thing("v3"), store.get(THING, "default/a", Thing.class).orElseThrow().value());
        ConflictException e = assertThrows(ConflictException.class,
                () -> store.update(THING, "default/missing", new Thing("v1"), -1));
        assertEquals("Thing default/missing does not exist", e.getMessage());
    }

    @Test
    void ofTwoClientsWritingFromTheSameReadExactlyOneWins() throws Exception {
        store.create(THING, "default/a", new Thing("v1"));
        ClusterStore one = client();
        ClusterStore two = client();
        long readByOne = one.get(THING, "default/a", Thing.class).orElseThrow().revision();
        long readByTwo = two.get(THING, "default/a", Thing.class).orElseThrow().revision();
        assertEquals(readByOne, readByTwo);

        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Long> writeOne = () -> {
                go.await();
                return one.update(THING, "default/a", new Thing("one"), readByOne);
            };
            Callable<Long> writeTwo = () -> {
                go.await();
                return two.update(THING, "default/a", new Thing("two"), readByTwo);
            };
            Future<Long> fromOne = pool.submit(writeOne);
            Future<Long> fromTwo = pool.submit(writeTwo);
            go.countDown();

            List<String> winners = new ArrayList<>();
            int conflicts = 0;
            for (var attempt : List.of(Map.entry("one", fromOne), Map.entry("two", fromTwo))) {
                try {
                    attempt.getValue().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    winners.add(attempt.getKey());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(e.getCause() instanceof ConflictException, () -> "not a conflict: " + e.getCause());
                    conflicts++;
                }
            }
            assertEquals(1, winners.size(), "winners " + winners);
            assertEquals(1, conflicts);
            assertEquals(new Thing(winners.get(0)), store.get(THING, "default/a", Thing.class).orElseThrow().value());
        } finally {
            pool.shutdownNow();
        }
    }

    // --- real resources ---

    private static final String MANIFESTS = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web-1, namespace: default, labels: {app: web}}
            spec:
              nodeName: node-1
              containers:
              - name: whoami
                image: whoami
                ports: [{name: http, containerPort: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec:
              selector: {app: web}
              ports:
              - {name: http, port: 80, targetPort: http}
            """;

    private static final String NODE = """
            apiVersion: v1
            kind: Node
            metadata: {name: node-1}
            spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24]}
            status:
              conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ready}]
              addresses: [{type: InternalIP, address: 192.168.56.11}]
            """;

    private static final String ENDPOINTS = """
            apiVersion: v1
            kind: Endpoints
            metadata: {name: web, namespace: default}
            subsets:
            - addresses: [{ip: 10.244.1.2, nodeName: node-1, targetRef: {kind: Pod, namespace: default, name: web-1}}]
              ports: [{name: http, port: 8080, protocol: TCP}]
            """;

    private static final String SLICE = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: web-abc12, namespace: default, labels: {kubernetes.io/service-name: web}}
            addressType: IPv4
            endpoints:
            - addresses: [10.244.1.2]
              conditions: {ready: true, serving: true, terminating: false}
              nodeName: node-1
            ports: [{name: http, port: 8080, protocol: TCP}]
            """;

    @Test
    void realResourcesComeBackEqual() throws Exception {
        List<Object> docs = Manifests.parse(MANIFESTS, "test.yaml").stream().map(d -> (Object) d.object()).toList();
        Pod pod = (Pod) docs.get(0);
        Service svc = (Service) docs.get(1);
        Node node = Json.YAML.readValue(NODE, Node.class);
        Endpoints eps = Json.YAML.readValue(ENDPOINTS, Endpoints.class);
        EndpointSlice slice = Json.YAML.readValue(SLICE, EndpointSlice.class);
        Recorder pods = new Recorder();
        store.watch(PodKind.KIND, store.revision(), pods::accept);

        store.create(PodKind.KIND, "default/web-1", pod);
        store.create(ServiceKind.KIND, "default/web", svc);
        store.create(NodeKind.KIND, "/node-1", node);
        store.create(EndpointsKind.KIND, "default/web", eps);
        store.create(EndpointSliceKind.KIND, "default/web-abc12", slice);

        ClusterStore other = client();
        assertEquals(pod, other.get(PodKind.KIND, "default/web-1").orElseThrow().value());
        assertEquals(svc, other.get(ServiceKind.KIND, "default/web").orElseThrow().value());
        assertEquals(List.of(node), other.list(NodeKind.KIND));
        assertEquals(eps, other.get(EndpointsKind.KIND, "default/web").orElseThrow().value());
        assertEquals(slice, other.get(EndpointSliceKind.KIND, "default/web-abc12").orElseThrow().value());
        assertEquals(pod, pods.next().value());

        // vnet's own kind too: read back as itself, not as a generic Kubernetes resource.
        dev.vnet.apiserver.api.SubnetLease lease = dev.vnet.apiserver.api.SubnetLease.of("node-1", "10.244.1.0/24",
                "192.168.56.11", "0a:58:0a:f4:01:00", 7, 30);
        store.create(dev.vnet.apiserver.api.SubnetLeaseKind.KIND, "/10.244.1.0-24", lease);
        assertEquals(lease, other.get(dev.vnet.apiserver.api.SubnetLeaseKind.KIND, "/10.244.1.0-24").orElseThrow()
                .value());
    }

    // --- watches ---

    @Test
    void watchDeliversEveryChangeAfterARevisionInOrderWithDeleteValues() throws Exception {
        store.create(THING, "default/a", new Thing("a1"));
        long from = store.revision();
        Recorder r = new Recorder();
        store.watch(THING, from, r::accept);

        long b = store.create(THING, "default/b", new Thing("b1"));
        long a2 = store.update(THING, "default/a", new Thing("a2"), -1);
        store.create(OTHER, "default/x", new Thing("x"));
        store.delete(THING, "default/b");
        long bGone = store.revision();

        assertEquals(put(THING, "default/b", new Thing("b1"), b), r.next());
        assertEquals(put(THING, "default/a", new Thing("a2"), a2), r.next());
        assertEquals(deleted(THING, "default/b", new Thing("b1"), bGone), r.next());
        r.assertQuiet();
    }

    @Test
    void aWatchFromAnOlderRevisionReplaysTheChangesAfterIt() throws Exception {
        store.create(THING, "default/a", new Thing("a"));
        long from = store.create(THING, "default/b", new Thing("b"));
        long a2 = store.update(THING, "default/a", new Thing("a2"), -1);
        store.delete(THING, "default/b");
        long bGone = store.revision();
        Recorder r = new Recorder();

        client().watch(THING, from, r::accept);

        assertEquals(put(THING, "default/a", new Thing("a2"), a2), r.next());
        assertEquals(deleted(THING, "default/b", new Thing("b"), bGone), r.next());
        r.assertQuiet();
    }

    @Test
    void aWatcherResumingFromItsLastRevisionGetsExactlyWhatItMissed() throws Exception {
        Recorder first = new Recorder();
        Watch w = store.watch(THING, store.revision(), first::accept);
        store.create(THING, "default/a", new Thing("a1"));
        store.create(THING, "default/b", new Thing("b1"));
        first.next();
        long last = first.next().revision();
        w.close();

        long a2 = store.update(THING, "default/a", new Thing("a2"), -1);
        store.delete(THING, "default/b");
        long bGone = store.revision();
        Recorder second = new Recorder();
        client().watch(THING, last, second::accept);
        long c = store.create(THING, "default/c", new Thing("c1"));

        assertEquals(put(THING, "default/a", new Thing("a2"), a2), second.next());
        assertEquals(deleted(THING, "default/b", new Thing("b1"), bGone), second.next());
        assertEquals(put(THING, "default/c", new Thing("c1"), c), second.next());
        second.assertQuiet();
        first.assertQuiet();
    }

    @Test
    void aWatchFromACompactedRevisionSaysRelistThenGoesOn() throws Exception {
        long from = store.create(THING, "default/a", new Thing("a1"));
        store.update(THING, "default/a", new Thing("a2"), -1);
        store.create(THING, "default/b", new Thing("b1"));
        long now = store.revision();
        store.compact(now);
        Recorder r = new Recorder();

        client().watch(THING, from, r::accept);

        assertEquals(new Event(EventType.RELIST, THING, null, null, now), r.next());
        long c = store.create(THING, "default/c", new Thing("c1"));
        assertEquals(put(THING, "default/c", new Thing("c1"), c), r.next());
        r.assertQuiet();
    }

    @Test
    void aWatchFromTheCompactedRevisionItselfMissesNothing() throws Exception {
        store.create(THING, "default/a", new Thing("a1"));
        long now = store.revision();
        store.compact(now);
        Recorder r = new Recorder();

        client().watch(THING, now, r::accept);
        long b = store.create(THING, "default/b", new Thing("b1"));

        assertEquals(put(THING, "default/b", new Thing("b1"), b), r.next());
    }

    @Test
    void aListenerThatThrowsStillGetsTheNextEvent() throws Exception {
        Recorder r = new Recorder();
        store.watch(THING, store.revision(), e -> {
            r.accept(e);
            throw new IllegalStateException("listener bug");
        });

        store.create(THING, "default/a", new Thing("a"));
        store.create(THING, "default/b", new Thing("b"));

        assertEquals("default/a", r.next().key());
        assertEquals("default/b", r.next().key());
    }

    // --- leases ---

    @Test
    void aKeyWhoseLeaseIsNotKeptAliveIsDeletedWithAnEvent() throws Exception {
        long lease = store.grantLease(Duration.ofSeconds(2));
        long written = store.putWithLease(THING, "/subnet-1", new Thing("mine"), lease);
        Recorder r = new Recorder();
        store.watch(THING, written, r::accept);
        assertTrue(store.timeToLive(lease).isPresent());

        Event gone = r.next();

        assertEquals(EventType.DELETE, gone.type());
        assertEquals("/subnet-1", gone.key());
        assertEquals(new Thing("mine"), gone.value());
        assertEquals(Optional.empty(), store.get(THING, "/subnet-1", Thing.class));
        assertEquals(Optional.empty(), store.timeToLive(lease));
        assertFalse(store.keepAlive(lease));
    }

    @Test
    void keepAliveKeepsAKeyPastItsTtl() throws Exception {
        long lease = store.grantLease(Duration.ofSeconds(2));
        store.putWithLease(THING, "/subnet-1", new Thing("mine"), lease);
        long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();

        while (System.nanoTime() - until < 0) {
            assertTrue(store.keepAlive(lease), "lease expired while kept alive");
            Thread.sleep(500);
        }

        assertEquals(new Thing("mine"), store.get(THING, "/subnet-1", Thing.class).orElseThrow().value());
        Duration left = store.timeToLive(lease).orElseThrow();
        assertTrue(left.compareTo(Duration.ZERO) > 0 && left.compareTo(Duration.ofSeconds(2)) <= 0, "ttl " + left);
        store.revokeLease(lease);
    }

    @Test
    void revokeDeletesTheLeasesKeysAtOnce() throws Exception {
        long lease = store.grantLease(Duration.ofSeconds(60));
        store.putWithLease(THING, "/subnet-1", new Thing("one"), lease);
        long last = store.putWithLease(THING, "/subnet-2", new Thing("two"), lease);
        store.create(THING, "/unleased", new Thing("stays"));
        Recorder r = new Recorder();
        store.watch(THING, store.revision(), r::accept);

        store.revokeLease(lease);

        assertEquals(List.of(new Thing("stays")), store.list(THING, Thing.class));
        assertEquals(Optional.empty(), store.timeToLive(lease));
        assertFalse(store.keepAlive(lease));
        Event one = r.next();
        Event two = r.next();
        assertEquals(EventType.DELETE, one.type());
        assertEquals(EventType.DELETE, two.type());
        assertEquals(List.of(new Thing("one"), new Thing("two")), List.of(one.value(), two.value()));
        assertTrue(one.revision() > last);
        store.revokeLease(lease); // again: nothing to do
    }

    @Test
    void aWriteWithoutTheLeaseDetachesTheKeyFromIt() throws Exception {
        long lease = store.grantLease(Duration.ofSeconds(60));
        store.putWithLease(THING, "/subnet-1", new Thing("leased"), lease);

        store.update(THING, "/subnet-1", new Thing("now plain"), -1);
        store.revokeLease(lease);

        assertEquals(new Thing("now plain"), store.get(THING, "/subnet-1", Thing.class).orElseThrow().value());
    }

    @Test
    void aWriteUnderAnUnknownLeaseFails() {
        long lease = store.grantLease(Duration.ofSeconds(60));
        store.revokeLease(lease);

        assertThrows(IllegalStateException.class, () -> store.putWithLease(THING, "/subnet-1", new Thing("x"), lease));
        assertEquals(Optional.empty(), store.get(THING, "/subnet-1", Thing.class));
    }

    @Test
    void describeSaysWhereTheStoreIs() {
        assertFalse(store.describe().isBlank());
    }
}
