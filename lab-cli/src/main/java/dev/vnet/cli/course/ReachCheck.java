package dev.vnet.cli.course;

import dev.vnet.apiserver.api.ApiException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * {@code reach: {from, to, port, proto, expect}}: a real connection from a pod's namespace. TCP connects with
 * bash's {@code /dev/tcp}; UDP sends a datagram and waits for any answer (an echo server); ICMP pings once.
 * {@code to} is a Service of the lab (its ClusterIP), a pod (its IP) or an IP. With {@code expect: refused}
 * the connection must be refused at once (a Service without endpoints, a closed port) rather than succeed; with
 * {@code expect: blocked} it must get no answer at all, as when a NetworkPolicy drops it (a refusal means the
 * network let it through).
 */
final class ReachCheck extends AbstractCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(8);
    private final String from;
    private final String to;
    private final int port;
    private final String proto;
    private final String expect;

    private ReachCheck(String from, String to, int port, String proto, String expect, String missing) {
        super(missing);
        this.from = from;
        this.to = to;
        this.port = port;
        this.proto = proto;
        this.expect = expect;
    }

    static ReachCheck parse(Fields f, Scope scope) throws ExerciseFileException {
        String from = scope.pod(f, "from");
        String to = scope.destination(f, "to", false);
        int port = f.optInt("port", 0);
        String proto = f.optText("proto", port > 0 ? "tcp" : "icmp").toLowerCase(Locale.ROOT);
        String expect = f.optText("expect", "open");
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("icmp")) {
            throw f.error("\"proto\" must be tcp, udp or icmp");
        }
        if (proto.equals("icmp") ? port != 0 : port < 1 || port > 65535) {
            throw f.error(proto.equals("icmp") ? "an icmp reach takes no \"port\"" : "a " + proto + " reach needs a \"port\" (1-65535)");
        }
        if (!expect.equals("open") && !expect.equals("refused") && !expect.equals("blocked")) {
            throw f.error("\"expect\" must be open, refused or blocked");
        }
        if (expect.equals("refused") && !proto.equals("tcp")) {
            throw f.error("\"expect: refused\" is for tcp only");
        }
        return new ReachCheck(from, to, port, proto, expect, scope.missing(f));
    }

    @Override
    public String type() {
        return "reach";
    }

    private String dest() {
        return to + (port > 0 ? ":" + port : "");
    }

    @Override
    public String what() {
        return switch (expect) {
            case "refused" -> from + " is refused at " + dest() + " over TCP";
            case "blocked" -> from + " gets no answer from " + dest() + " over " + proto.toUpperCase(Locale.ROOT);
            default -> from + " reaches " + dest() + " over " + proto.toUpperCase(Locale.ROOT);
        };
    }

    @Override
    public Result run(CheckContext ctx) {
        try {
            Optional<String> ip = address(ctx);
            if (ip.isEmpty()) {
                return fail(ctx, from + " cannot reach " + dest() + ": there is no Service or pod named " + to + " yet");
            }
            String script = switch (proto) {
                case "tcp" -> "timeout 3 bash -c 'exec 3<>/dev/tcp/" + ip.get() + "/" + port + "'";
                case "udp" -> "exec 3<>/dev/udp/" + ip.get() + "/" + port + " && echo vnet-lab >&3"
                        + " && timeout 2 dd bs=65535 count=1 <&3 2>/dev/null | grep -q .";
                default -> "ping -c 1 -W 2 " + ip.get();
            };
            CheckContext.Shell.Outcome o = ctx.sh(from, script, TIMEOUT);
            String why = o.exit() == 0 ? "connected" : o.exit() == 124 ? "timed out"
                    : o.output().contains("refused") ? "connection refused"
                    : o.output().contains("No route") ? "no route to host"
                    : proto.equals("udp") ? "no answer" : proto.equals("icmp") ? "no echo reply" : "failed";
            if (expect.equals("refused")) {
                return why.equals("connection refused") ? Result.pass()
                        : fail(ctx, from + "'s connection to " + dest() + " is not refused (" + why + ")");
            }
            if (expect.equals("blocked")) {
                boolean silent = why.equals("timed out") || why.equals("no answer") || why.equals("no echo reply");
                return silent ? Result.pass()
                        : fail(ctx, from + "'s " + proto.toUpperCase(Locale.ROOT) + " to " + dest()
                                + " still gets through (" + why + ")");
            }
            return o.exit() == 0 ? Result.pass()
                    : fail(ctx, from + " cannot reach " + dest() + " over " + proto.toUpperCase(Locale.ROOT) + " yet (" + why + ")");
        } catch (ApiException e) {
            return fail(ctx, from + " cannot reach " + dest() + ": " + e.getMessage());
        } catch (Vars.Unresolved e) {
            return fail(ctx, e.getMessage());
        }
    }

    /** The IP behind {@code to}: a Service's ClusterIP first (as the trace resolves names), then a pod's IP. */
    private Optional<String> address(CheckContext ctx) throws ApiException, Vars.Unresolved {
        String name = ctx.expand(to);
        if (Scope.isIpv4(name)) {
            return Optional.of(name);
        }
        Optional<JsonNode> svc = ctx.service(name);
        if (svc.isPresent()) {
            return Optional.of(svc.get().path("spec").path("clusterIP").asString());
        }
        Optional<JsonNode> pod = ctx.pod(name);
        if (pod.isPresent() && !pod.get().path("status").path("podIP").asString("").isEmpty()) {
            return Optional.of(pod.get().path("status").path("podIP").asString());
        }
        return Optional.empty();
    }
}
