package dev.vnet.node.workload;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The head of one HTTP/1.x request (RFC 9112), as the built-in whoami reads it off a kept-alive connection:
 * the request line and the header fields in the order they came. A body with a Content-Length is skipped so
 * the next request can follow; a chunked body is not decoded, the connection ends after the answer instead.
 */
record HttpRequest(String method, String target, String version, List<Header> headers) {
    /** Request line plus header fields; larger heads are refused (as servers commonly do, 8-64 KiB). */
    static final int MAX_HEAD = 64 * 1024;

    record Header(String name, String value) {}

    /**
     * Reads the next request head, up to the empty line. Returns null when the peer closed the connection
     * between requests; throws {@link ProtocolException} for a malformed head.
     */
    static HttpRequest read(InputStream in) throws IOException {
        int[] budget = {MAX_HEAD};
        String line = readLine(in, budget);
        while (line != null && line.isEmpty()) {
            line = readLine(in, budget); // RFC 9112 2.2: ignore empty lines before the request line
        }
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || !parts[2].startsWith("HTTP/1.")) {
            throw new ProtocolException("bad request line: " + line);
        }
        List<Header> headers = new ArrayList<>();
        for (String h = readLine(in, budget); ; h = readLine(in, budget)) {
            if (h == null) {
                throw new EOFException("connection closed inside a request head");
            }
            if (h.isEmpty()) {
                break;
            }
            int colon = h.indexOf(':');
            if (colon <= 0 || h.charAt(0) == ' ' || h.charAt(0) == '\t' || h.substring(0, colon).contains(" ")) {
                throw new ProtocolException("bad header field: " + h);
            }
            headers.add(new Header(h.substring(0, colon), h.substring(colon + 1).strip()));
        }
        return new HttpRequest(parts[0], parts[1], parts[2], List.copyOf(headers));
    }

    /** Skips the body that follows this head, if it has a Content-Length. */
    void skipBody(InputStream in) throws IOException {
        if (!chunked()) {
            in.skipNBytes(contentLength());
        }
    }

    /** Whether the client waits for "100 Continue" before it sends the body (curl does above 1 KiB). */
    boolean expectsContinue() {
        String v = header("Expect");
        return v != null && v.equalsIgnoreCase("100-continue");
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    boolean chunked() {
        return header("Transfer-Encoding") != null;
    }

    long contentLength() throws ProtocolException {
        String v = header("Content-Length");
        if (v == null) {
            return 0;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Refused below.
        }
        throw new ProtocolException("bad Content-Length: " + v);
    }

    /** Whether the connection may carry another request: HTTP/1.1 unless "close", HTTP/1.0 only if asked. */
    boolean keepAlive() {
        if (chunked()) {
            return false; // its body is not read, so the next request cannot be found
        }
        String connection = header("Connection");
        String tokens = connection == null ? "" : connection.toLowerCase(Locale.ROOT);
        if (version.equals("HTTP/1.0")) {
            return tokens.contains("keep-alive");
        }
        return !tokens.contains("close");
    }

    /** One line without its CRLF (a bare LF is accepted), or null at end of stream before any byte. */
    private static String readLine(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); ; b = in.read()) {
            if (b < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside a request head");
            }
            if (--budget[0] < 0) {
                throw new ProtocolException("request head larger than " + MAX_HEAD + " bytes");
            }
            if (b == '\n') {
                break;
            }
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
    }
}
