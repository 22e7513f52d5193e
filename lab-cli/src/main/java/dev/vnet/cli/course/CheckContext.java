package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Operation;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What checks see of the world while one lab command runs: the lab's JSON API, a way to run commands inside
 * the lab's namespaces, the lab's variables, and the counter baselines of the current step. Pods, Services and
 * the lab's status are read once per context, so a context lives for one {@code lab check}.
 */
public final class CheckContext {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The lab's API: one JSON request, one answer (as {@code ApiClient.call}). */
    @FunctionalInterface
    public interface Api {
        JsonNode call(ObjectNode request) throws ApiException;

        /** The objects of a kind as a List (one namespace, or every one when null; one name, or all). */
        default JsonNode list(String kind, String namespace, String name) throws ApiException {
            throw new ApiException("this connection to the lab cannot list resources");
        }

        /** Deletes the objects of a manifest that exist (in default when it names no namespace). */
        default JsonNode delete(String text, String source) throws ApiException {
            throw new ApiException("this connection to the lab cannot delete resources");
        }

        /** A streaming request (a capture) copied to {@code sink} until it ends. */
        default void stream(ObjectNode request, java.io.OutputStream sink) throws ApiException {
            throw new ApiException("this connection to the lab cannot capture");
        }

        /** The lab's API: vnet's operations, and the Kubernetes verbs for resources. */
        static Api of(dev.vnet.apiserver.client.ApiClient client) {
            return new Api() {
                @Override
                public JsonNode call(ObjectNode request) throws ApiException {
                    return client.call(request);
                }

                @Override
                public void stream(ObjectNode request, java.io.OutputStream sink) throws ApiException {
                    client.stream(request, sink);
                }

                @Override
                public JsonNode delete(String text, String source) throws ApiException {
                    return client.deleteEach(dev.vnet.apiserver.client.ApiClient.named(text, source, "default"), true);
                }

                @Override
                public JsonNode list(String kind, String namespace, String name) throws ApiException {
                    return client.list(dev.vnet.apiserver.api.Kinds.builtIn().named(kind), namespace, namespace == null,
                            name);
                }
            };
        }
    }

    /** Runs a command to completion, or kills it at the timeout (exit 124, as {@code timeout(1)}). */
    @FunctionalInterface
    public interface Shell {
        Outcome run(List<String> argv, Duration timeout) throws IOException;

        /** The exit status and the output (stdout and stderr together). */
        record Outcome(int exit, String output) {}
    }

    /** Runs commands as child processes. */
    public static final Shell PROCESSES = (argv, timeout) -> {
        File out = File.createTempFile("vnet-lab-check", ".out");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            boolean ended;
            try {
                ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ended = false;
            }
            if (!ended) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            return new Shell.Outcome(ended ? p.exitValue() : 124, Files.readString(out.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out.toPath());
        }
    };

    private final Exercise lab;
    private final Api api;
    private final Shell shell;
    private final Path workdir;
    private final Map<String, Long> baselines;
    private JsonNode status;
    private Map<String, JsonNode> pods;
    private Map<String, JsonNode> services;
    private final Map<String, JsonNode> stats = new HashMap<>();

    /**
     * @param baselines the current step's counter baselines, read and written by counting checks (borrowed:
     *                  the caller saves them with the progress)
     */
    public CheckContext(Exercise lab, Api api, Shell shell, Path workdir, Map<String, Long> baselines) {
        this.lab = lab;
        this.api = api;
        this.shell = shell;
        this.workdir = workdir;
        this.baselines = baselines;
    }

    public Exercise lab() {
        return lab;
    }

    public Path workdir() {
        return workdir;
    }

    /** Runs a capture request and copies its pcap stream into {@code sink}. */
    public void capture(ObjectNode request, java.io.OutputStream sink) throws ApiException {
        api.stream(request, sink);
    }

    public JsonNode call(ObjectNode request) throws ApiException {
        return api.call(request);
    }

    /** The objects of {@code kind} as a List, through the Kubernetes API (every namespace when null). */
    public JsonNode list(String kind, String namespace, String name) throws ApiException {
        return api.list(kind, namespace, name);
    }

    /** The lab's {@code status}: its pid, start time and nodes. */
    public JsonNode status() throws ApiException {
        if (status == null) {
            status = api.call(Operation.STATUS.request());
        }
        return status;
    }

    /** The node named {@code name} in the lab's status. */
    Optional<JsonNode> node(String name) throws ApiException {
        for (JsonNode n : status().path("nodes")) {
            if (n.path("name").asString().equals(name)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /**
     * The pod named {@code name}, as the API prints it: default's, or else the one of another namespace (a lab
     * names its pods apart: the loader refuses a name defined twice).
     */
    public Optional<JsonNode> pod(String name) throws ApiException {
        if (pods == null) {
            pods = new HashMap<>();
            for (JsonNode item : api.list("pods", null, null).path("items")) {
                boolean inDefault = item.path("metadata").path("namespace").asString("default").equals("default");
                String n = item.path("metadata").path("name").asString();
                if (inDefault || !pods.containsKey(n)) {
                    pods.put(n, item);
                }
            }
        }
        return Optional.ofNullable(pods.get(name));
    }

    /** The Service named {@code name} in namespace default. */
    public Optional<JsonNode> service(String name) throws ApiException {
        int slash = name.indexOf('/');
        if (slash > 0) { // NAMESPACE/NAME: a Service of another namespace
            return Optional.ofNullable(byName(api.list("services", name.substring(0, slash), null)).get(name.substring(slash + 1)));
        }
        if (services == null) {
            services = byName(api.list("services", "default", null));
        }
        return Optional.ofNullable(services.get(name));
    }

    private static Map<String, JsonNode> byName(JsonNode reply) {
        Map<String, JsonNode> out = new HashMap<>();
        for (JsonNode item : reply.path("items")) {
            out.put(item.path("metadata").path("name").asString(), item);
        }
        return out;
    }

    /** One node's counters, as {@code vnet stats --node NODE -o json} would have them. */
    JsonNode stats(String node) throws ApiException {
        JsonNode s = stats.get(node);
        if (s == null) {
            s = api.call(Operation.STATS.request().put("node", node)).path("nodes").path(0);
            stats.put(node, s);
        }
        return s;
    }

    Long baseline(String key) {
        return baselines.get(key);
    }

    void setBaseline(String key, long value) {
        baselines.put(key, value);
    }

    /**
     * Runs {@code script} with bash in {@code where}: a pod's name, {@code node/NAME}, {@code outside}, or
     * {@code host} (the machine itself).
     */
    Shell.Outcome sh(String where, String script, Duration timeout) throws ApiException {
        List<String> argv = where.equals("host") ? List.of("bash", "-c", script)
                : List.of("ip", "netns", "exec", netns(where), "bash", "-c", script);
        try {
            return shell.run(argv, timeout);
        } catch (IOException e) {
            throw new ApiException("cannot run bash" + (where.equals("host") ? "" : " in " + where) + ": " + e.getMessage());
        }
    }

    /** The network namespace of a pod, {@code node/NAME} or {@code outside}. */
    String netns(String where) throws ApiException {
        return api.call(Operation.TARGET.request().put("name", ref(where))).path("netns").asString();
    }

    /**
     * A pod of the lab as the API names it: NAMESPACE/NAME when it lives outside default (lab pod names are
     * unique across namespaces), else {@code name} as it is ({@code node/NAME}, {@code outside}).
     */
    String ref(String name) throws ApiException {
        if (name.contains("/")) {
            return name;
        }
        Optional<JsonNode> p = pod(name);
        String ns = p.map(x -> x.path("metadata").path("namespace").asString("default")).orElse("default");
        return ns.equals("default") ? name : ns + "/" + name;
    }

    /** {@code text} with its variables filled in from the lab; throws with the reason if one cannot be yet. */
    public String expand(String text) throws Vars.Unresolved {
        return Vars.expand(text, ref -> value(ref, false));
    }

    /** {@code text} for the learner: variables that cannot be filled in yet read as {@code <ip of NAME>}. */
    public String show(String text) {
        return Vars.show(text, ref -> value(ref, true));
    }

    private String value(Vars.Ref ref, boolean forDisplay) throws Vars.Unresolved {
        try {
            return switch (ref.kind()) {
                case "workdir" -> workdir.toString();
                case "labdir" -> forDisplay ? Catalog.display(lab.dir()) : lab.dir().toAbsolutePath().normalize().toString();
                case "ip" -> podIp(ref.arg());
                case "mac" -> macOf(podIp(ref.arg()));
                case "node" -> podNode(ref.arg());
                case "gateway" -> nodeField(podNode(ref.arg()), "gateway");
                case "tun" -> nodeField(ref.arg(), "podCIDR").replaceFirst("/.*", "");
                case "underlay" -> nodeField(ref.arg(), "underlayIP");
                case "clusterip" -> service(ref.arg())
                        .map(s -> s.path("spec").path("clusterIP").asString(""))
                        .filter(ip -> !ip.isEmpty() && !ip.equals("None"))
                        .orElseThrow(() -> new Vars.Unresolved("Service " + ref.arg() + " does not exist yet"));
                case "lbip" -> service(ref.arg())
                        .map(s -> s.path("status").path("loadBalancer").path("ingress").path(0).path("ip").asString(""))
                        .filter(ip -> !ip.isEmpty())
                        .orElseThrow(() -> new Vars.Unresolved("Service " + ref.arg()
                                + " has no LoadBalancer IP yet (is it of type LoadBalancer, and the lab up?)"));
                default -> throw new Vars.Unresolved("unknown variable " + ref);
            };
        } catch (ApiException e) {
            throw new Vars.Unresolved(e.getMessage());
        }
    }

    private String podIp(String name) throws ApiException, Vars.Unresolved {
        JsonNode p = pod(name).orElseThrow(() -> new Vars.Unresolved("pod " + name + " does not exist yet"));
        String ip = p.path("status").path("podIP").asString("");
        if (ip.isEmpty()) {
            throw new Vars.Unresolved("pod " + name + " has no IP yet (it is "
                    + p.path("status").path("phase").asString("Pending") + ")");
        }
        return ip;
    }

    private String podNode(String name) throws ApiException, Vars.Unresolved {
        JsonNode p = pod(name).orElseThrow(() -> new Vars.Unresolved("pod " + name + " does not exist yet"));
        String node = p.path("spec").path("nodeName").asString("");
        if (node.isEmpty()) {
            throw new Vars.Unresolved("pod " + name + " is not scheduled to a node yet");
        }
        return node;
    }

    private String nodeField(String node, String field) throws ApiException, Vars.Unresolved {
        return node(node).map(n -> n.path(field).asString()).filter(s -> !s.isEmpty())
                .orElseThrow(() -> new Vars.Unresolved("the lab has no " + node + ": this lab needs "
                        + lab.nodes() + " nodes (`vnet up -d --nodes " + lab.nodes() + "`)"));
    }

    /** The MAC vnet gives a pod: 0a:58 and the four bytes of its IP, as OVN-Kubernetes does. */
    static String macOf(String ip) {
        StringBuilder mac = new StringBuilder("0a:58");
        for (String part : ip.split("\\.")) {
            mac.append(String.format(":%02x", Integer.parseInt(part)));
        }
        return mac.toString();
    }
}
