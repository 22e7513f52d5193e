package dev.vnet.node.dns;

import dev.vnet.core.linux.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A node's cluster DNS, answering at the DNS Service IP (10.96.0.10) on UDP and TCP port 53 inside the node's
 * namespace, as NodeLocal DNSCache does: the node's router steers pods' DNS to it, so the answer never leaves
 * the node and no DNS pod is needed. Names in the cluster zone (and its reverse zones) are answered from
 * {@link ClusterDns}; others go to the upstream resolver if one is configured, else are REFUSED at once.
 * Malformed queries get FORMERR when their header can be read, and are dropped otherwise; all are counted.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DnsServer.class.getName());
    private static final int UDP_DEFAULT_SIZE = 512;
    private static final int UPSTREAM_TIMEOUT_MS = 2000;

    private final String node;
    private final ClusterDns dns;
    private final DnsLog log;
    private final InetSocketAddress upstream;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final ExecutorService workers;
    private volatile boolean running = true;

    /** A server with no sockets, answering only what {@link #handle} is given (for tests of the wire format). */
    DnsServer(String node, ClusterDns dns, DnsLog log) {
        this.node = node;
        this.dns = dns;
        this.log = log;
        this.upstream = null;
        this.udp = null;
        this.tcp = null;
        this.workers = null;
    }

    /** Opens the sockets on {@code ip}:53 inside namespace {@code netns}. {@code upstream} may be null. */
    public DnsServer(String node, String netns, InetAddress ip, ClusterDns dns, DnsLog log,
                     InetSocketAddress upstream) throws IOException {
        this.node = node;
        this.dns = dns;
        this.log = log;
        this.upstream = upstream;
        InetSocketAddress at = new InetSocketAddress(ip, 53);
        this.udp = NetNs.call(netns, () -> new DatagramSocket(at));
        try {
            this.tcp = NetNs.call(netns, () -> new ServerSocket(53, 64, ip));
        } catch (IOException e) {
            udp.close();
            throw e;
        }
        // Threads created from a thread of the node's namespace would inherit it; these only use the sockets.
        this.workers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dns-" + node);
            t.setDaemon(true);
            return t;
        });
        daemon("dns-udp-" + node, this::udpLoop);
        daemon("dns-tcp-" + node, this::tcpLoop);
        LOG.info("cluster DNS listening: node=" + node + " address=" + at + " upstream="
                + (upstream == null ? "none (REFUSED)" : upstream));
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (running) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (IOException e) {
                return;
            }
            byte[] query = java.util.Arrays.copyOf(p.getData(), p.getLength());
            InetSocketAddress client = (InetSocketAddress) p.getSocketAddress();
            workers.execute(() -> {
                byte[] reply = handle(query, client, "udp");
                if (reply != null) {
                    try {
                        udp.send(new DatagramPacket(reply, reply.length, client));
                    } catch (IOException e) {
                        LOG.fine("dns reply lost: " + e.getMessage());
                    }
                }
            });
        }
    }

    private void tcpLoop() {
        while (running) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                return;
            }
            workers.execute(() -> serveTcp(s));
        }
    }

    /** DNS over TCP (RFC 7766): each message behind a two-byte length; the client may send several. */
    private void serveTcp(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setSoTimeout(10_000);
            InetSocketAddress client = (InetSocketAddress) s.getRemoteSocketAddress();
            while (true) {
                int hi = in.read();
                int lo = in.read();
                if (hi < 0 || lo < 0) {
                    return;
                }
                byte[] query = in.readNBytes((hi << 8) | lo);
                byte[] reply = handle(query, client, "tcp");
                if (reply == null) {
                    return;
                }
                out.write(reply.length >> 8);
                out.write(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException e) {
            LOG.fine("dns tcp client went away: " + e.getMessage());
        }
    }

    /** While true the server answers nothing, as a stopped CoreDNS (a fault: `vnet fault add --pause dns`). */
    private volatile java.util.function.BooleanSupplier paused = () -> false;

    public void pauseWhen(java.util.function.BooleanSupplier when) {
        this.paused = when;
    }

    /** The wire answer to one query, or null to drop it. */
    byte[] handle(byte[] wire, InetSocketAddress client, String transport) {
        if (paused.getAsBoolean()) {
            log.pausedDrop();
            return null;
        }
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            log.malformed();
            if (wire.length < 12) {
                return null; // not even a header: nobody to answer
            }
            int id = ((wire[0] & 0xff) << 8) | (wire[1] & 0xff);
            Message err = ClusterDns.formErr(null, id);
            record(client, transport, "?", "?", err);
            return err.toWire();
        }
        Record question = query.getQuestion();
        if (question == null || query.getSectionArray(Section.QUESTION).length != 1) {
            log.malformed();
            Message err = ClusterDns.formErr(query, query.getHeader().getID());
            record(client, transport, "?", "?", err);
            return err.toWire();
        }
        Message response;
        if (dns.authoritativeFor(question.getName())) {
            response = dns.answer(query);
        } else if (upstream != null) {
            byte[] relayed = forward(wire);
            if (relayed != null) {
                try {
                    record(client, transport, question.getName().toString(), Type.string(question.getType()),
                            new Message(relayed));
                } catch (IOException e) {
                    log.malformed();
                }
                return relayed;
            }
            response = ClusterDns.refused(query);
            response.getHeader().setRcode(Rcode.SERVFAIL);
        } else {
            response = ClusterDns.refused(query);
        }
        // To a pod this server is its resolver, as CoreDNS is: say recursion is available (nslookup warns otherwise).
        response.getHeader().setFlag(org.xbill.DNS.Flags.RA);
        record(client, transport, question.getName().toString(), Type.string(question.getType()), response);
        if (transport.equals("tcp")) {
            return response.toWire();
        }
        OPTRecord opt = query.getOPT();
        int size = opt == null ? UDP_DEFAULT_SIZE : Math.max(UDP_DEFAULT_SIZE, opt.getPayloadSize());
        return response.toWire(size); // sets TC when the answer does not fit: the client retries over TCP
    }

    /** Relays a query to the upstream resolver from the node's namespace; null on time-out. */
    private byte[] forward(byte[] wire) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(UPSTREAM_TIMEOUT_MS);
            s.send(new DatagramPacket(wire, wire.length, upstream));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            s.receive(p);
            return java.util.Arrays.copyOf(p.getData(), p.getLength());
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            LOG.fine("upstream DNS failed: " + e.getMessage());
            return null;
        }
    }

    private void record(InetSocketAddress client, String transport, String name, String type, Message response) {
        List<String> answers = new ArrayList<>();
        for (Record r : response.getSection(Section.ANSWER)) {
            answers.add(Type.string(r.getType()) + " " + r.rdataToString());
        }
        log.record(new DnsLog.Entry(Instant.now(), node, client.getAddress().getHostAddress(), transport, name, type,
                Rcode.string(response.getRcode()) + (response.getHeader().getFlag(org.xbill.DNS.Flags.TC) ? " (TC)" : ""),
                answers));
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        workers.shutdownNow();
    }

}
