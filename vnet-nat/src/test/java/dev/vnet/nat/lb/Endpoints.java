package dev.vnet.nat.lb;

import java.util.ArrayList;
import java.util.List;

/** Endpoint lists for the balancer tests. */
final class Endpoints {

    private Endpoints() {
    }

    /** 10.244.1.0/24 + i, port 8080, spread over three nodes. */
    static Endpoint endpoint(int i) {
        return new Endpoint(0x0AF4_0100 + i + 10, 8080, "node-" + (i % 3 + 1), i % 3 == 0, true);
    }

    static List<Endpoint> endpoints(int n) {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(endpoint(i));
        }
        return List.copyOf(out);
    }

    static final int CLIENT = 0x0AF4_0202; // 10.244.2.2
}
