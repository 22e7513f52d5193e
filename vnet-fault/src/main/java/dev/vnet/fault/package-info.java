/**
 * Faults a learner injects to break the data path on purpose, as netem and tbf break a Linux link: loss, delay
 * with jitter, duplication, reordering, corruption, a rate limit, a tcpdump drop filter, a smaller MTU and the
 * PMTU black hole, at a pod's port, on the tunnel to one peer, or on a node's whole underlay; and pauses of a
 * node's control-plane loops (store sync, DNS). Pure: no I/O, no threads of its own; time comes from an injected
 * clock and chance from a seeded random source, so every effect is tested frame by frame.
 *
 * <h2>How a node uses it</h2>
 * <pre>
 *   FaultTable faults = new FaultTable();                        // one per process; the CLI and the store write it
 *   int id = faults.add(FaultSpec.parse(args));                  // vnet fault add ...; list(), delete(id), clear()
 *   FaultEngine engine = new FaultEngine(System::nanoTime);      // one per node
 *
 *   FaultPoint point = faults.pod(node, pod);                    // once per port: or tunnel(node, peer), underlay(node)
 *   FaultVerdict v = engine.apply(point, buf, offset, length, onward);   // per frame; onward is a field, not a lambda
 *   switch (v.action()) {
 *       case PASS -> send(buf, length);
 *       case DUPLICATE -> { send(buf, length); send(buf, length); }
 *       case DROP -> drops.count(...);                           // v.faultId(), v.message() for traces
 *       case TAKEN -> { }                                        // the engine delivers a copy through onward
 *   }
 *   engine.releaseDue();                                         // on the event loop, at engine.nextReleaseNanos()
 *   if (faults.paused(node, FaultSpec.Pause.SYNC)) return;       // in the sync loop; Pause.DNS in the DNS server
 * </pre>
 *
 * <h2>Where the points are</h2>
 * A pod fault acts at that pod's port only, an underlay fault at every tunnel of its node (and at
 * {@link dev.vnet.fault.FaultTable#underlay}), a tunnel fault at the tunnel from its node to its peer. Frames
 * are Ethernet everywhere; at tunnels, the inner frame before VXLAN, so a drop filter reads the pods' headers and
 * {@code --mtu} compares the outer IP length (inner frame + 36 bytes). Faults at one point act in id order, as
 * a chain of qdiscs: the first drop ends the frame, delays add up, and a duplicate's two copies share the
 * decisions of the faults after it.
 *
 * <h2>Semantics, where netem leaves a choice</h2>
 * Percentages are independent draws per frame (netem without correlation). Jitter is uniform in
 * {@code delay ± jitter}, so frames may overtake as with netem; jitter may not exceed the delay. Reorder holds
 * the chosen frames back by an extra gap (the delay, or 10 ms without one) so that later frames overtake them;
 * it needs no delay. Corruption flips one bit of one byte after the IPv4 header, in a copy. The rate is a token
 * bucket over whole frames, with a burst of 5 ms of the rate (two full-size frames at least); a frame that would wait more
 * than 100 ms is dropped (tbf's latency). The queue holds 1,000 frames (netem's limit), beyond which frames a
 * fault would hold are dropped with "fault queue full".
 */
package dev.vnet.fault;
