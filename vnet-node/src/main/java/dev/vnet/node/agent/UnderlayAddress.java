package dev.vnet.node.agent;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.linux.Commands;
import java.io.IOException;

/**
 * Finds a node's underlay address: the IPv4 address of {@code --iface}, or else the one address this machine
 * has inside the underlay network. Never the default route's interface: on a Vagrant VM that is the NAT
 * interface (10.0.2.15 on every VM), and VXLAN peers announced there could never reach each other.
 */
final class UnderlayAddress {
    private UnderlayAddress() {
    }

    static Ipv4Address find(Commands commands, String iface, Cidr underlay) throws ApiException, IOException {
        String out = iface == null ? commands.run("ip", "-o", "-4", "addr", "show")
                : commands.tryRun("ip", "-o", "-4", "addr", "show", "dev", iface).output();
        return pick(out, iface, underlay);
    }

    /** The interface holding {@code ip}. */
    static String ifaceOf(Commands commands, Ipv4Address ip) throws IOException {
        for (String line : commands.run("ip", "-o", "-4", "addr", "show").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[3].startsWith(ip + "/")) {
                return f[1];
            }
        }
        return "eth0";
    }

    /** Reads `ip -o -4 addr show` output. */
    static Ipv4Address pick(String ipOutput, String iface, Cidr underlay) throws ApiException {
        Ipv4Address found = null;
        for (String line : ipOutput.split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (!f[i].equals("inet")) {
                    continue;
                }
                Ipv4Address a = Ipv4Address.parse(f[i + 1].substring(0, f[i + 1].indexOf('/')));
                if (iface != null) {
                    return a;
                }
                if (underlay.contains(a) && found == null) {
                    found = a;
                }
            }
        }
        if (found == null) {
            throw new ApiException(iface != null
                    ? "interface " + iface + " has no IPv4 address (or does not exist): check --iface"
                    : "no interface has an address in the underlay " + underlay
                            + ": pass --iface with the interface of the nodes' private network");
        }
        return found;
    }
}
