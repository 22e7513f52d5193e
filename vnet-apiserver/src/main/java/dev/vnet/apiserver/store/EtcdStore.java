package dev.vnet.apiserver.store;

import dev.vnet.apiserver.api.Json;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;

/**
 * The cluster store of a multi-machine lab: the same {@link ClusterStore} over etcd's v3 API (jetcd), so
 * nodes on different machines share one state, as Kubernetes nodes share the API server's etcd.
 *
 * <p><b>Key layout.</b> A resource of kind {@code Pod} and key {@code default/web} is stored under
 * {@code /vnet/pod/default/web}; a cluster-scoped key {@code /node-1} (empty namespace) of kind {@code Node}
 * under {@code /vnet/node/node-1}. One kind is one prefix ({@code /vnet/<kind in lower case>/}), which is what
 * list and watch read. Names contain no slash, so the number of segments after the prefix gives the key back
 * exactly. Values are the resource records as JSON (Jackson); unknown fields are ignored when reading, so an
 * older vnet reads what a newer one wrote.
 *
 * <p><b>Writes</b> are transactions: create is {@code version(key) == 0 → put}; update is {@code version(key) > 0
 * → put}, plus {@code mod_revision(key) == expected} unless the expected revision is -1. A failed comparison is
 * a {@link ConflictException} (an update reads the key in the same transaction to say why). Revisions are etcd's
 * own: store-wide, one per write.
 *
 * <p><b>Leases</b> are etcd's. etcd 3.4 raises a TTL below its minimum (1.5 election timeouts, rounded up: 2 s by
 * default) to that minimum, and reports whole seconds. A write under a lease that is gone throws
 * {@link IllegalStateException}.
 *
 * <p><b>Watches</b> are prefix watches with the previous value (so a DELETE carries the last value), one thread
 * named {@code store-watch} per watch delivering in order. Each survives a lost connection by itself (it does
 * not rely on jetcd's own retry): it resumes after the last revision it delivered, never twice, and sends RELIST
 * when that revision has been compacted away. {@link EtcdWatch} has the details.
 *
 * <p><b>Failures.</b> Every call waits at most the call timeout; a store that cannot be reached throws an
 * {@link UnavailableException} whose message is one line ("the cluster store … is unreachable (…): is etcd
 * running?"); other etcd errors are one line too.
 */
public final class EtcdStore implements ClusterStore {
    private static final Logger LOG = Logger.getLogger(EtcdStore.class.getName());
    /**
     * jetcd logs a warning for each retry it gives up while etcd is down, and gRPC an INFO line on its first
     * channel; this store reports failures itself, in one line, so only their severe and warning messages are
     * kept. (Strong references: java.util.logging forgets the level of a logger nobody holds.)
     */
    private static final Logger JETCD_LOG = Logger.getLogger("io.etcd.jetcd");
    private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

    static {
        JETCD_LOG.setLevel(Level.SEVERE);
        GRPC_LOG.setLevel(Level.WARNING);
    }

    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);
    static final String ROOT = "/vnet/";
    /** Netty's native transport says "finishConnect(..) failed with error(-111): Connection refused". */
    private static final Pattern SYSCALL_ERROR = Pattern.compile("failed with error\\(-?\\d+\\): (.+)");

    private final String endpoint;
    private final Map<String, Class<?>> kinds;
    private final Duration callTimeout;
    private final Client client;
    private final KV kv;
    private final Lease leases;
    /** Values as JSON; a field this version does not know (written by a newer one) is kept aside, not an error. */
    private final ObjectMapper json = Json.MAPPER.rebuild().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private final List<EtcdWatch> watches = new CopyOnWriteArrayList<>();

    private EtcdStore(String endpoint, Map<String, Class<?>> kinds, Duration callTimeout, Client client) {
        this.endpoint = endpoint;
        this.kinds = Map.copyOf(kinds);
        this.callTimeout = callTimeout;
        this.client = client;
        this.kv = client.getKVClient();
        this.leases = client.getLeaseClient();
    }

    /**
     * Connects to etcd at {@code endpoint} ({@code etcd://host:port} or {@code http://host:port}). The connection
     * itself is made on first use, so this does not fail when etcd is down; calls then throw
     * {@link UnavailableException}. {@code kinds} maps each kind to its record class, for values read by watches.
     */
    public static EtcdStore connect(String endpoint, Map<String, Class<?>> kinds, Duration callTimeout) {
        URI uri = toHttp(endpoint);
        Duration timeout = callTimeout == null ? DEFAULT_CALL_TIMEOUT : callTimeout;
        Client client = Client.builder()
                .endpoints(uri)
                .connectTimeout(timeout)
                // Fail fast while etcd is down (a clear UnavailableException), instead of hanging until the timeout.
                .waitForReady(false)
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(Duration.ofSeconds(5))
                .build();
        return new EtcdStore(endpoint, kinds, timeout, client);
    }

    /** {@code etcd://host:port} or {@code http://host:port} as the http URI jetcd wants. */
    static URI toHttp(String endpoint) {
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad etcd endpoint " + endpoint + ": want etcd://host:port");
        }
        String scheme = uri.getScheme();
        if (uri.getHost() == null || uri.getPort() < 0
                || !("etcd".equals(scheme) || "http".equals(scheme))) {
            throw new IllegalArgumentException("bad etcd endpoint " + endpoint + ": want etcd://host:port");
        }
        return URI.create("http://" + uri.getHost() + ":" + uri.getPort());
    }

    // --- keys and values ---

    /** The etcd prefix of a kind: {@code /vnet/pod/}. */
    static String prefix(String kind) {
        return ROOT + kind.toLowerCase(Locale.ROOT) + "/";
    }

    /** {@code default/web} → {@code /vnet/pod/default/web}; {@code /node-1} → {@code /vnet/node/node-1}. */
    static String etcdKey(String kind, String key) {
        int slash = key.indexOf('/');
        String name = slash < 0 ? "" : key.substring(slash + 1);
        if (slash < 0 || name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("bad key " + key + ": want namespace/name, or /name without one");
        }
        return prefix(kind) + (slash == 0 ? name : key);
    }

    /** The inverse of {@link #etcdKey}. */
    static String storeKey(String kind, String etcdKey) {
        String rest = etcdKey.substring(prefix(kind).length());
        return rest.indexOf('/') >= 0 ? rest : "/" + rest;
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private ByteSequence encode(String kind, String key, Object value) {
        try {
            return ByteSequence.from(json.writeValueAsBytes(value));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write " + kind + " " + key + " as JSON: " + e.getOriginalMessage());
        }
    }

    <T> T decode(String kind, String key, ByteSequence value, Class<T> type) {
        try {
            return json.readValue(value.getBytes(), type);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot read " + kind + " " + key + " from " + endpoint + " as "
                    + type.getSimpleName() + ": " + oneLine(e.getMessage()));
        }
    }

    // --- reads and writes ---

    @Override
    public <T> Optional<Versioned<T>> get(String kind, String key, Class<T> type) {
        GetResponse r = call("read " + kind + " " + key, kv.get(bytes(etcdKey(kind, key))));
        if (r.getKvs().isEmpty()) {
            return Optional.empty();
        }
        KeyValue found = r.getKvs().get(0);
        return Optional.of(new Versioned<>(decode(kind, key, found.getValue(), type), found.getModRevision()));
    }

    @Override
    public <T> List<T> list(String kind, Class<T> type) {
        GetResponse r = call("list " + kind, kv.get(bytes(prefix(kind)), GetOption.builder().isPrefix(true).build()));
        List<T> out = new ArrayList<>(r.getKvs().size());
        for (KeyValue found : r.getKvs()) {
            String key = storeKey(kind, found.getKey().toString(StandardCharsets.UTF_8));
            out.add(decode(kind, key, found.getValue(), type));
        }
        return out;
    }

    @Override
    public long create(String kind, String key, Object value) throws ConflictException {
        ByteSequence k = bytes(etcdKey(kind, key));
        TxnResponse r = call("create " + kind + " " + key, kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(k, encode(kind, key, value), PutOption.DEFAULT))
                .commit());
        if (!r.isSucceeded()) {
            throw new ConflictException(kind + " " + key + " already exists");
        }
        return r.getHeader().getRevision();
    }

    @Override
    public long update(String kind, String key, Object value, long expectedRevision) throws ConflictException {
        ByteSequence k = bytes(etcdKey(kind, key));
        Cmp exists = new Cmp(k, Cmp.Op.GREATER, CmpTarget.version(0));
        Cmp[] cmps = expectedRevision >= 0
                ? new Cmp[] {exists, new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision))}
                : new Cmp[] {exists};
        TxnResponse r = call("update " + kind + " " + key, kv.txn()
                .If(cmps)
                .Then(Op.put(k, encode(kind, key, value), PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        if (r.isSucceeded()) {
            return r.getHeader().getRevision();
        }
        List<KeyValue> current = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
        if (current.isEmpty()) {
            throw new ConflictException(kind + " " + key + " does not exist");
        }
        throw new ConflictException(kind + " " + key + " was changed by someone else (revision "
                + current.get(0).getModRevision() + ", expected " + expectedRevision + ")");
    }

    @Override
    public boolean delete(String kind, String key) {
        return call("delete " + kind + " " + key,
                kv.delete(bytes(etcdKey(kind, key)), DeleteOption.DEFAULT)).getDeleted() > 0;
    }

    @Override
    public long revision() {
        // Any read answers with the store's revision in its header; this key is never written.
        return call("read the revision", kv.get(bytes(ROOT), GetOption.builder().withCountOnly(true).build()))
                .getHeader().getRevision();
    }

    // --- leases ---

    @Override
    public long grantLease(Duration ttl) {
        long seconds = Math.max(1, ttl.toSeconds());
        return call("grant a lease", leases.grant(seconds)).getID();
    }

    @Override
    public boolean keepAlive(long leaseId) {
        return callUnless("renew lease " + leaseId, leases.keepAliveOnce(leaseId), EtcdStore::isLeaseNotFound)
                .map(r -> r.getTTL() > 0)
                .orElse(false);
    }

    @Override
    public void revokeLease(long leaseId) {
        callUnless("revoke lease " + leaseId, leases.revoke(leaseId), EtcdStore::isLeaseNotFound);
    }

    @Override
    public Optional<Duration> timeToLive(long leaseId) {
        LeaseTimeToLiveResponse r = call("read lease " + leaseId, leases.timeToLive(leaseId, LeaseOption.DEFAULT));
        return r.getTTL() > 0 ? Optional.of(Duration.ofSeconds(r.getTTL())) : Optional.empty();
    }

    @Override
    public long putWithLease(String kind, String key, Object value, long leaseId) {
        String what = "write " + kind + " " + key + " under lease " + leaseId;
        return callUnless(what, kv.put(bytes(etcdKey(kind, key)), encode(kind, key, value),
                        PutOption.builder().withLeaseId(leaseId).build()), EtcdStore::isLeaseNotFound)
                .orElseThrow(() -> new IllegalStateException("lease " + leaseId + " has expired or does not exist"))
                .getHeader().getRevision();
    }

    private static boolean isLeaseNotFound(Throwable t) {
        return (t instanceof EtcdException e && e.getErrorCode() == ErrorCode.NOT_FOUND)
                || String.valueOf(t.getMessage()).contains("lease not found");
    }

    // --- compaction ---

    @Override
    public void compact(long upTo) {
        long target = Math.min(upTo, revision());
        if (target <= 0) {
            return;
        }
        // Compacting at or below an earlier compaction is a no-op here, as it is in the memory store.
        callUnless("compact at revision " + target,
                kv.compact(target, CompactOption.builder().withCompactPhysical(true).build()),
                t -> String.valueOf(t.getMessage()).contains("compacted"));
    }

    @Override
    public String describe() {
        return endpoint;
    }

    // --- watches ---

    @Override
    public Watch watch(String kind, long fromRevision, Consumer<Event> listener) {
        Class<?> type = kinds.get(kind);
        if (type == null) {
            throw new IllegalArgumentException("cannot watch " + kind + ": not a kind this store knows " + kinds.keySet());
        }
        EtcdWatch w = new EtcdWatch(this, client.getWatchClient(), kind, type, fromRevision, listener,
                watches::remove, callTimeout);
        watches.add(w);
        w.start();
        return w;
    }

    @Override
    public void close() {
        for (EtcdWatch w : watches) {
            w.close();
        }
        client.close();
    }

    // --- calls ---

    /** Waits for a call; any failure becomes an {@link UnavailableException} with a one-line message. */
    private <R> R call(String what, CompletableFuture<R> f) {
        return callUnless(what, f, t -> false).orElseThrow();
    }

    /** As {@link #call}, but a failure that {@code expected} accepts gives empty instead. */
    private <R> Optional<R> callUnless(String what, CompletableFuture<R> f, Predicate<Throwable> expected) {
        try {
            return Optional.of(f.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            f.cancel(true);
            throw unreachable("no answer within " + seconds(callTimeout), e);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the cluster store " + endpoint + " to "
                    + what, e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (expected.test(cause)) {
                return Optional.empty();
            }
            if (isUnreachable(cause)) {
                throw unreachable(reason(cause), cause);
            }
            throw new UnavailableException("the cluster store " + endpoint + " failed to " + what + ": "
                    + reason(cause), cause);
        }
    }

    private UnavailableException unreachable(String reason, Throwable cause) {
        return new UnavailableException("the cluster store " + endpoint + " is unreachable (" + reason
                + "): is etcd running?", cause);
    }

    private static boolean isUnreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
            if (c instanceof EtcdException e
                    && (e.getErrorCode() == ErrorCode.UNAVAILABLE || e.getErrorCode() == ErrorCode.DEADLINE_EXCEEDED)) {
                return true;
            }
            if (c instanceof StatusRuntimeException s
                    && (s.getStatus().getCode() == Status.Code.UNAVAILABLE
                        || s.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED)) {
                return true;
            }
        }
        return false;
    }

    /** What went wrong, in a few words: the deepest cause's message, on one line. */
    private static String reason(Throwable t) {
        Throwable deepest = t;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        String msg = deepest.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getMessage();
        }
        if (msg == null || msg.isBlank()) {
            msg = deepest.getClass().getSimpleName();
        }
        Matcher errno = SYSCALL_ERROR.matcher(msg);
        if (errno.find()) {
            msg = errno.group(1).toLowerCase(Locale.ROOT);
        }
        return oneLine(msg);
    }


    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\s+", " ").trim();
        return line.length() > 200 ? line.substring(0, 197) + "..." : line;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
