/**
 * The CNI's policy engine (what Calico or Cilium do for a cluster): Kubernetes NetworkPolicy
 * ({@code networking.k8s.io/v1}) compiled into tables, and the verdict for a new connection with its reason.
 * Pure: no I/O, no clock, no root; the node's policy stage calls it once per new connection (conntrack keeps the
 * verdict for the rest of the connection and its replies), the API validates with it, the CLI prints its
 * reachability table.
 *
 * <h2>How a node uses it</h2>
 * <pre>
 *   PolicySet set = PolicySet.compile(policies);             // when a NetworkPolicy changes, off the data path
 *   Peer src = Peer.at(srcIp, directory), dst = Peer.at(dstIp, directory);
 *   Verdict v = set.egress(src, dst, protocol, dstPort);     // on the source's node, after DNAT
 *   Verdict w = set.ingress(src, dst, protocol, dstPort);    // on the destination's node, before delivery
 *   if (!v.allowed()) drop(POLICY, v.reason());              // the reason goes to traces and flow logs
 * </pre>
 *
 * <h2>Semantics (as Kubernetes defines them)</h2>
 * A policy selects pods of its own namespace ({@code podSelector}, {@code {}} = all). {@code policyTypes}
 * default as the API server defaults them: Ingress always, Egress when the policy has egress rules. A pod is
 * isolated for a direction when any policy selecting it has that type; then a connection is allowed when any rule
 * of those policies allows it (rules only add); a pod nothing isolates allows everything. A rule allows a
 * connection when one of its peers matches (no {@code from}/{@code to}: any peer) and one of its ports does
 * (no {@code ports}: any). A peer is an {@code ipBlock} (cidr less except, matched against any address, pod IPs
 * too) or selectors: {@code podSelector} alone means pods of the policy's namespace, {@code namespaceSelector}
 * alone every pod of the chosen namespaces, both together their AND. A port is TCP unless said otherwise, a
 * number, a range up to {@code endPort}, a name resolved on the destination's containers (ingress: the selected
 * pod; egress: the peer; a name never matches an address that is no pod), or absent (every port of the
 * protocol). A connection is allowed when egress allows it at the source and ingress at the destination.
 *
 * <h2>ICMP and other protocols without ports</h2>
 * NetworkPolicy speaks only of TCP, UDP and SCTP ports. vnet decides as the Linux-based CNIs (Calico, Cilium,
 * kube-router) do: a rule without {@code ports} matches every protocol, ICMP included; a rule with
 * {@code ports} matches only connections of the listed protocols, so never ICMP. Hence a default-deny policy
 * stops ping, an allow-from rule without ports lets it through, and a rule allowing "TCP 80" does not. The
 * port given to the engine is ignored for protocols without ports.
 *
 * <h2>Tables</h2>
 * {@link PolicySet#compile} sorts the policies by namespace and name (the order verdicts name them in) and
 * indexes them by namespace; each selector becomes parallel arrays of keys, operators and values
 * ({@code matchLabels} as {@code In} with one value), each ipBlock network/mask ints, each port entry a
 * protocol and a range or a name. The first decision for a pod under a set computes, from its namespace's
 * policies only, which ones select it for each direction, and the {@link Peer} remembers it (with the pod's own
 * not-isolated verdict); later decisions read that and evaluate only those policies' rules. So a decision costs
 * O(rules of the policies selecting the pod) whatever the number of other policies, allocates nothing when the
 * pod is not isolated and only the {@link Verdict} otherwise, and the verdict's text is built when asked for.
 * PolicyBench (the {@code policy_*} figures of {@code make bench}) measures it.
 *
 * <h2>Not handled (yet)</h2>
 * <ul>
 *   <li>SCTP (vnet carries none): {@link PolicyValidation} refuses it; a stored SCTP port matches nothing.
 *       IPv6 ipBlocks likewise (vnet's networks are IPv4).</li>
 *   <li>What the API server refuses matches nothing when compiled anyway (fail closed): a port outside 1–65535,
 *       a bad {@code endPort}, an unknown protocol or operator, an empty peer, ipBlock with a selector, a cidr
 *       that does not parse. Selectors without values read plainly: {@code In []} nothing, {@code NotIn []}
 *       everything.</li>
 *   <li>AdminNetworkPolicy and BaselineAdminNetworkPolicy, Calico's and Cilium's own kinds, L7 rules, FQDNs.</li>
 *   <li>The engine does not decide what happens to connections already open when a policy changes: conntrack
 *       keeps their verdicts (as Linux CNIs do) unless the node's policy stage re-evaluates them.</li>
 *   <li>A pod's traffic to its own IP never reaches the data path; the reachability table's diagonal shows what
 *       policy says.</li>
 * </ul>
 */
package dev.vnet.policy;
