package dev.vnet.core.linux;

import java.nio.file.Files;
import java.nio.file.Path;

/** Checks that the lab can be built here, each failure with one line that says what to do. */
public final class Privileges {
    private Privileges() {}

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name")) || uid() == 0;
    }

    /** Null when vnet can build namespaces and TAP devices here, else the reason and the fix. */
    public static String whyNotUsable() {
        if (!isRoot()) {
            return "vnet must run as root (it creates network namespaces and TAP devices): try `sudo vnet ...`";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "/dev/net/tun is missing: load the tun module with `modprobe tun`";
        }
        if (!Commands.onPath("ip")) {
            return Commands.missingHint("ip");
        }
        return null;
    }

    private static int uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseInt(line.split("\\s+")[1]);
                }
            }
        } catch (Exception ignored) {
            // Fall through: not Linux, or /proc unreadable.
        }
        return -1;
    }
}
