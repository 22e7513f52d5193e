package dev.vnet.policy;

import java.util.Map;

/**
 * Who is who, for the policy engine: pods by IP and namespaces' labels. The node implements it from the cluster
 * store (keeping one {@link Peer} per pod, rebuilt when the pod or its namespace's labels change); tests use
 * maps.
 */
public interface PodDirectory {

    /** The pod that has this IPv4 address, or null if it is no pod's (a node, the outside, a Service IP). */
    Peer podAt(int ip);

    /** The labels of a namespace ({@link Peer#NAMESPACE_NAME_LABEL} need not be among them), empty if unknown. */
    Map<String, String> namespaceLabels(String namespace);
}
