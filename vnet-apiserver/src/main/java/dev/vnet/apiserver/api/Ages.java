package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.time.Instant;

/** An object's age as kubectl prints it: 45s, 3m, 2h, 4d. */
public final class Ages {
    private Ages() {
    }

    public static String of(HasMetadata o, Instant now) {
        String ts = o.getMetadata() == null ? null : o.getMetadata().getCreationTimestamp();
        if (ts == null || ts.isEmpty()) {
            return "<unknown>";
        }
        long s = Math.max(0, Duration.between(Instant.parse(ts), now).getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return (s / 60) + "m";
        }
        if (s < 172800) {
            return (s / 3600) + "h";
        }
        return (s / 86400) + "d";
    }
}
