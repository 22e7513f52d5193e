package dev.vnet.apiserver.api;

import tools.jackson.databind.node.ObjectNode;

/**
 * Every operation of vnet's API, declared once: its name on the wire, and where a client of a cluster of node
 * processes sends it (any node, the node of a pod, every node with the answers merged...). The component that
 * serves an operation registers its handler under it ({@link Handlers#add(Operation, Handlers.Handler)}); a CLI
 * verb builds its request from it ({@link #request()}).
 */
public enum Operation {
    PING("ping", Route.ANY_NODE, null),
    /** The lab or node process: its nodes, store, PID. */
    STATUS("status", Route.EVERY_NODE, null),
    /**
     * A whole file at once: every object validated and admitted before any is stored, so a bad file changes
     * nothing. Reads and deletes are the Kubernetes verbs of the same API.
     */
    APPLY("apply", Route.ANY_NODE, null),
    /** A container's output. */
    LOGS("logs", Route.POD_NODE, "pod"),
    /** Where `vnet exec NAME` runs: a pod's namespace, node/NAME's, or the outside's. */
    TARGET("target", Route.EXEC_TARGET, "name"),
    SERVICE_DATAPLANE("service-dataplane", Route.EVERY_NODE, null),
    CONNTRACK("conntrack", Route.EVERY_NODE, null),
    PROXY_RULES("proxy-rules", Route.ONE_NODE, null),
    DNS_LOG("dns-log", Route.EVERY_NODE, null),
    FLOWS("flows", Route.EVERY_NODE_IN_ORDER, null),
    STATS("stats", Route.EVERY_NODE, null),
    TOPOLOGY("topology", Route.EVERY_NODE, null),
    TRACE("trace", Route.POD_NODE, "source"),
    /** A node asks another to follow a probe it is about to send (node to node only). */
    TRACE_ARM("trace-arm", Route.BETWEEN_NODES, null),
    TRACE_COLLECT("trace-collect", Route.BETWEEN_NODES, null),
    /** A live capture: answered with a stream, not one JSON object. */
    CAPTURE("capture", Route.POD_NODE, "pod"),
    /**
     * A TCP connection to a port of a pod, made by the pod's node inside the pod's network namespace (kubelet's
     * port-forward): answered with {"ok":true}, after which the API connection carries the bytes both ways.
     */
    PORT_FORWARD("port-forward", Route.POD_NODE, "pod"),
    /** What the cluster's NetworkPolicies say of one connection, each side with its reason. */
    POLICY_CHECK("policy-check", Route.ANY_NODE, null),
    /** What they say of every pair of pods: the reachability table. */
    POLICY_MATRIX("policy-matrix", Route.ANY_NODE, null),
    /** TCP connects from one pod, on its node: what the data plane really does. */
    POLICY_PROBE("policy-probe", Route.POD_NODE, "pod"),
    /** Injects a fault: stored as a Fault, which the node it names applies. Answers with its id. */
    FAULT_ADD("fault-add", Route.ANY_NODE, null),
    /** Each node's counters of the faults it applies (frames seen, dropped, delayed...). */
    FAULT_COUNTS("fault-counts", Route.EVERY_NODE, null),
    /** What the store wants of each node against what the node has programmed, difference by difference. */
    DIFF("diff", Route.EVERY_NODE, null),
    /** Stops a local lab. */
    DOWN("down", Route.LAB_ONLY, null);

    /** Where a cluster client sends an operation. */
    public enum Route {
        /** One live node that answers; another if it does not. */
        ANY_NODE,
        /** The node the request's "node" names, else any. */
        ONE_NODE,
        /** The node the request's "node" names, else every live node, their answers merged. */
        EVERY_NODE,
        /** As EVERY_NODE, events interleaved by time and numbered by the client. */
        EVERY_NODE_IN_ORDER,
        /** The node that runs the pod named by the request's {@link #target} field (or its "node"). */
        POD_NODE,
        /** A pod's node, node/NAME, or any node for the outside. */
        EXEC_TARGET,
        /** Sent by one node to another, never by a client. */
        BETWEEN_NODES,
        /** Only a local lab's own process answers it. */
        LAB_ONLY
    }

    private final String wire;
    private final Route route;
    private final String target;

    Operation(String wire, Route route, String target) {
        this.wire = wire;
        this.route = route;
        this.target = target;
    }

    /** The name in requests: {"op":"conntrack"}. */
    public String wire() {
        return wire;
    }

    public Route route() {
        return route;
    }

    /** The request field naming the pod (or target) that decides the node, for POD_NODE and EXEC_TARGET. */
    public String target() {
        return target;
    }

    /** A new request for this operation. */
    public ObjectNode request() {
        return Json.object().put("op", wire);
    }

    /** The operation a request names, or null. */
    public static Operation of(String wire) {
        for (Operation o : values()) {
            if (o.wire.equals(wire)) {
                return o;
            }
        }
        return null;
    }
}
