package dev.vnet.node.ingress;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.apiserver.client.ClusterClient;
import dev.vnet.apiserver.controller.IngressStatusController;
import dev.vnet.ingress.proxy.IngressProxy;
import dev.vnet.ingress.route.ClusterView;
import dev.vnet.ingress.route.Compiled;
import dev.vnet.ingress.route.RouteCompiler;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The ingress controller's process: what runs in the controller pod's network namespace, as ingress-nginx's
 * controller runs in its pod. It reads the cluster through the API (Ingresses, IngressClasses, Gateway API
 * routes, Services, EndpointSlices, Secrets) once a second, compiles them into a route table and hands it to the
 * proxy, which listens on the pod's own address; its connections to backends leave through the pod's eth0, so
 * both legs of a request cross vnet's data plane. Access log lines go to stdout, which is {@code vnet logs}.
 * Statuses (an Ingress's ADDRESS, a Gateway's conditions) are written by the control plane from the same
 * compiler, so this process needs no write access.
 */
public final class IngressControllerMain {
    private static final Duration PERIOD = Duration.ofSeconds(1);
    /** How long the API may stay away before the controller gives up (its lab is gone). */
    private static final Duration GIVE_UP = Duration.ofSeconds(30);

    private IngressControllerMain() {}

    public static void main(String[] args) throws Exception {
        String kubeApi = null;
        Path caFile = null;
        String store = null;
        Path tokenFile = null;
        int apiPort = 0;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--kube-api") && i + 1 < args.length) {
                kubeApi = args[++i];
            } else if (args[i].equals("--ca-file") && i + 1 < args.length) {
                caFile = Path.of(args[++i]);
            } else if (args[i].equals("--store") && i + 1 < args.length) {
                store = args[++i];
            } else if (args[i].equals("--token-file") && i + 1 < args.length) {
                tokenFile = Path.of(args[++i]);
            } else if (args[i].equals("--api-port") && i + 1 < args.length) {
                apiPort = Integer.parseInt(args[++i]);
            } else {
                usage("unknown argument " + args[i]);
            }
        }
        ApiClient api;
        String where;
        if (kubeApi != null && caFile != null && tokenFile != null) {
            // In-cluster, as ingress-nginx finds its API: the kubernetes Service, through the lab's data plane.
            api = ApiClient.https(java.net.URI.create(kubeApi), Files.readString(caFile), Files.readString(tokenFile));
            where = "the Kubernetes API at " + kubeApi;
        } else if (store != null && tokenFile != null && apiPort > 0) {
            api = new ClusterClient(store, Files.readString(tokenFile).strip(), apiPort);
            where = "the node APIs of the cluster in " + store;
        } else {
            usage("say where the API is");
            return;
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        // Half the cores for the proxy's event loops: on a lab machine the userspace data plane, which carries both
        // legs of every proxied request, needs the rest (on 2 cores, one loop serves ~25 % more requests than two).
        IngressProxy.Options options = IngressProxy.Options.defaults()
                .withWorkerThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
        try (IngressProxy proxy = new IngressProxy(InetAddress.getByName("0.0.0.0"), out::println, options)) {
            run(api, where, proxy, out);
        }
    }

    private static void usage(String why) {
        System.err.println("ingress controller: " + why + " (usage: --kube-api URL --ca-file FILE --token-file FILE, or --store URL --token-file FILE --api-port N)");
        System.exit(2);
    }

    private static void run(ApiClient api, String where, IngressProxy proxy, PrintStream out) throws InterruptedException {
        String last = null;
        Set<String> warned = new HashSet<>();
        Instant lastContact = Instant.now();
        Instant lastRead = Instant.MIN;
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        Watchers watchers = Watchers.start(api, KINDS);
        boolean dirty = true;
        out.println("ingress controller: watching the cluster through " + where);
        while (parent == null || parent.isAlive()) {
            Instant now = Instant.now();
            // Read when a watch saw a change, every RESYNC anyway (as an informer resyncs), and every PERIOD while
            // a watch is down (the controller polls until it can watch again).
            if (dirty || !watchers.allUp() || Duration.between(lastRead, now).compareTo(RESYNC) >= 0) {
                try {
                    Snapshot s = Snapshot.read(api);
                    lastContact = Instant.now();
                    lastRead = lastContact;
                    dirty = false;
                    if (!s.fingerprint().equals(last)) {
                        Compiled c = RouteCompiler.compile(s.view());
                        proxy.install(c.table());
                        for (String w : c.warnings()) {
                            if (warned.add(w)) {
                                out.println("warning: " + w);
                            }
                        }
                        if (last == null) {
                            out.println("ingress controller: serving " + c.table().listeners());
                        }
                        last = s.fingerprint();
                    }
                } catch (ApiException e) {
                    if (Duration.between(lastContact, Instant.now()).compareTo(GIVE_UP) > 0) {
                        out.println("ingress controller: the API has not answered for " + GIVE_UP.toSeconds()
                                + " s (" + e.getMessage() + "); stopping");
                        return;
                    }
                } catch (RuntimeException e) {
                    out.println("ingress controller: " + e.getMessage());
                }
            }
            dirty |= watchers.awaitChange(PERIOD);
        }
        out.println("ingress controller: the lab process is gone; stopping");
    }

    /** The kinds the routes are compiled from ({@link Snapshot#read} lists the same): a change to any is read at once. */
    private static final List<String> KINDS = List.of("Service", "Ingress", "IngressClass", "EndpointSlice", "Secret",
            "Gateway", "GatewayClass", "HTTPRoute");
    /** How often everything is read again with no change seen, as an informer's resync. */
    private static final Duration RESYNC = Duration.ofSeconds(30);

    /**
     * One watch per kind, each on a thread of its own that watches again when its stream ends (the server's
     * timeout, a node gone); every event wakes the controller's loop. Until a watch is up, the loop polls.
     */
    static final class Watchers {
        private final java.util.concurrent.Semaphore changed = new java.util.concurrent.Semaphore(0);
        private final java.util.concurrent.atomic.AtomicInteger up = new java.util.concurrent.atomic.AtomicInteger();
        private final int count;

        private Watchers(int count) {
            this.count = count;
        }

        static Watchers start(ApiClient api, List<String> kinds) {
            Watchers w = new Watchers(kinds.size());
            for (String name : kinds) {
                dev.vnet.apiserver.api.Kind<?> kind;
                try {
                    kind = dev.vnet.apiserver.api.Kinds.builtIn().named(name);
                } catch (ApiException e) {
                    throw new IllegalStateException("no kind " + name + " in the registry", e);
                }
                Thread t = new Thread(() -> w.watch(api, kind), "watch-" + name);
                t.setDaemon(true);
                t.start();
            }
            return w;
        }

        private void watch(ApiClient api, dev.vnet.apiserver.api.Kind<?> kind) {
            while (true) {
                java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean();
                try {
                    api.watch(kind, () -> {
                        open.set(true);
                        up.incrementAndGet();
                    }, event -> changed.release());
                } catch (ApiException e) {
                    // refused or unreachable: the loop polls meanwhile
                } finally {
                    if (open.get()) {
                        up.decrementAndGet();
                    }
                }
                changed.release(); // what happened while no watch was up is read now
                try {
                    Thread.sleep(PERIOD.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** True when every kind's watch is open. */
        boolean allUp() {
            return up.get() == count;
        }

        /** Waits up to {@code d} for a change; true if one came (all waiting changes are taken). */
        boolean awaitChange(Duration d) throws InterruptedException {
            if (!changed.tryAcquire(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return false;
            }
            changed.drainPermits();
            return true;
        }
    }

    /** One read of everything the routes depend on, and a fingerprint that changes when any of it does. */
    record Snapshot(ClusterView view, String fingerprint) {
        static Snapshot read(ApiClient api) throws ApiException {
            StringBuilder fp = new StringBuilder();
            List<Service> services = list(api, "Service", Service.class, fp);
            List<String> addresses = IngressStatusController.controllerAddresses(services);
            ClusterView view = new ClusterView(list(api, "Ingress", Ingress.class, fp),
                    list(api, "IngressClass", IngressClass.class, fp), services,
                    list(api, "EndpointSlice", EndpointSlice.class, fp), list(api, "Secret", Secret.class, fp),
                    list(api, "Gateway", Gateway.class, fp), list(api, "GatewayClass", GatewayClass.class, fp),
                    list(api, "HTTPRoute", HTTPRoute.class, fp), addresses);
            return new Snapshot(view, fp.toString());
        }

        private static <T extends HasMetadata> List<T> list(ApiClient api, String kind, Class<T> type,
                                                            StringBuilder fingerprint) throws ApiException {
            JsonNode answer = api.list(dev.vnet.apiserver.api.Kinds.builtIn().named(kind), null, true, null);
            List<T> out = new ArrayList<>();
            for (JsonNode item : answer.path("items")) {
                fingerprint.append(item.path("metadata").path("uid").asString("")).append('@')
                        .append(item.path("metadata").path("resourceVersion").asString("")).append('|')
                        .append(item.hashCode()).append(';');
                out.add(Json.convert(item, type));
            }
            return out;
        }
    }
}
