package dev.vnet.ingress.proxy;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request's access log line, filled in as the request goes, in ingress-nginx's default format:
 * <pre>
 * $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
 * $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr
 * $upstream_response_length $upstream_response_time $upstream_status $req_id
 * </pre>
 * The upstream fields list every attempt, ", " between them as nginx writes them; "-" where no upstream was asked.
 * Touched only by the client connection's event loop.
 */
final class AccessRecord {
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);

    final String remoteAddr;
    final String requestLine;
    final String referer;
    final String userAgent;
    final long requestLength;
    final long startNanos;
    final String requestId;
    /** The backend that served (ingress-nginx's "namespace-service-port"), or "-". */
    String upstreamName = "-";
    /** The other backend a retry went to, or empty. */
    String alternativeName = "";
    int status;
    long bodyBytes;
    private final List<String> upstreamAddrs = new ArrayList<>();
    private final List<String> upstreamLengths = new ArrayList<>();
    private final List<String> upstreamTimes = new ArrayList<>();
    private final List<String> upstreamStatuses = new ArrayList<>();

    AccessRecord(String remoteAddr, String requestLine, String referer, String userAgent, long requestLength,
            long startNanos, String requestId) {
        this.remoteAddr = remoteAddr;
        this.requestLine = requestLine;
        this.referer = referer;
        this.userAgent = userAgent;
        this.requestLength = requestLength;
        this.startNanos = startNanos;
        this.requestId = requestId;
    }

    /** A request id as nginx's $request_id makes them: 16 random bytes in hex (no String.format: every request). */
    static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder b = new StringBuilder(32);
        hex16(b, r.nextLong());
        hex16(b, r.nextLong());
        return b.toString();
    }

    private static void hex16(StringBuilder b, long v) {
        for (int shift = 60; shift >= 0; shift -= 4) {
            b.append(Character.forDigit((int) (v >>> shift) & 0xf, 16));
        }
    }

    /** The formatted $time_local of the current second, made once per second rather than once per request. */
    private static volatile Object[] lastTime = {0L, ""};

    /** One attempt at an upstream: its address, the status it gave (502 when it could not be reached). */
    void attempt(String addr, int upstreamStatus, long length, long nanos) {
        upstreamAddrs.add(addr);
        upstreamStatuses.add(Integer.toString(upstreamStatus));
        upstreamLengths.add(Long.toString(length));
        upstreamTimes.add(seconds(nanos));
    }

    String format(ZonedDateTime now, long endNanos) {
        return remoteAddr + " - - [" + timeLocal(now) + "] \"" + escaped(requestLine) + "\" " + status + " " + bodyBytes
                + " \"" + quoted(referer) + "\" \"" + quoted(userAgent) + "\" " + requestLength + " "
                + seconds(endNanos - startNanos) + " [" + upstreamName + "] [" + alternativeName + "] "
                + joined(upstreamAddrs) + " " + joined(upstreamLengths) + " " + joined(upstreamTimes) + " "
                + joined(upstreamStatuses) + " " + requestId;
    }

    private static String joined(List<String> values) {
        return values.isEmpty() ? "-" : String.join(", ", values);
    }

    /** nginx escapes '"' and '\' and control bytes in logged header values; so do we. */
    private static String quoted(String v) {
        return v == null || v.isEmpty() ? "-" : escaped(v);
    }

    private static String escaped(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String timeLocal(ZonedDateTime now) {
        Object[] last = lastTime;
        long second = now.toEpochSecond();
        if ((long) last[0] == second) {
            return (String) last[1];
        }
        String text = TIME_LOCAL.format(now);
        lastTime = new Object[] {second, text};
        return text;
    }

    /** Seconds with three decimals, as nginx logs times ("0.002"). */
    static String seconds(long nanos) {
        long millis = Math.round(Math.max(0, nanos) / 1e6);
        long frac = millis % 1000;
        return (millis / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
    }
}
