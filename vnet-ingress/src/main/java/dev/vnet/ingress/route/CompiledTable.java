package dev.vnet.ingress.route;

import dev.vnet.ingress.tls.TlsMaterial;
import java.util.Optional;
import java.util.Set;

/**
 * The route table both APIs compile into. A request goes to the Gateway API's routes first: an HTTPRoute that
 * matches it (listener port, hostname, path, headers...) decides. Otherwise the Ingress rules decide (including
 * their ssl-redirect and default backends), and when nothing applies the default backend answers 404.
 */
final class CompiledTable implements RouteTable {
    static final Set<Listener> LISTENERS = Set.of(new Listener(80, false), new Listener(443, true));

    private final GatewayRules gateway;
    private final IngressRules ingress;
    private final Certificates certificates;

    CompiledTable(GatewayRules gateway, IngressRules ingress, Certificates certificates) {
        this.gateway = gateway;
        this.ingress = ingress;
        this.certificates = certificates;
    }

    /** Always 80 (HTTP) and 443 (HTTPS): the ports of the controller's LoadBalancer Service. */
    @Override
    public Set<Listener> listeners() {
        return LISTENERS;
    }

    @Override
    public Action route(Request request) {
        Action a = gateway.route(request);
        if (a == null) {
            a = ingress.route(request);
        }
        return a != null ? a : new Action.Respond("no rule matches: default backend - 404", 404, "default backend - 404");
    }

    @Override
    public Optional<TlsMaterial> certificate(int port, String serverName) {
        return certificates.select(port, Hostnames.normalize(serverName));
    }
}
