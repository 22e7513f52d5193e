package dev.vnet.node.streams;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code log} subresource: a container's log file as plain text, shaped by kubectl's options — tailLines,
 * sinceSeconds/sinceTime, timestamps, limitBytes — and with {@code follow=true} a chunked body that goes on
 * until the client leaves or the container stops. {@code previous} has nothing to show (vnet never restarts a
 * container) and is ignored.
 *
 * <p>A line's time is the timestamp it starts with when it has one (the built-in servers write one); vnet keeps
 * no time for other lines, so sinceSeconds keeps them, and timestamps=true stamps them with the file's last
 * change (what is already there) or the moment they were read (what follows). A line that already starts with
 * its timestamp is not stamped twice.
 */
final class PodLogs {
    /** How often a followed log is checked for growth. */
    static final long POLL_MILLIS = 200;

    /** kubectl's query, parsed. */
    record Options(boolean follow, int tailLines, Instant since, boolean timestamps, long limitBytes) {
        static Options parse(QueryStringDecoder q, Clock clock) throws StreamStatus.Refusal {
            int tail = (int) number(q, "tailLines", -1);
            long sinceSeconds = number(q, "sinceSeconds", -1);
            String sinceTime = param(q, "sinceTime");
            Instant since = null;
            if (sinceSeconds >= 0 && sinceTime != null) {
                throw StreamStatus.Refusal.badRequest("at most one of sinceTime or sinceSeconds may be specified");
            }
            if (sinceSeconds >= 0) {
                since = clock.instant().minusSeconds(sinceSeconds);
            } else if (sinceTime != null) {
                try {
                    since = Instant.parse(sinceTime);
                } catch (DateTimeParseException e) {
                    throw StreamStatus.Refusal.badRequest("sinceTime must be an RFC 3339 time, not " + sinceTime);
                }
            }
            return new Options(flag(q, "follow"), tail, since, flag(q, "timestamps"), number(q, "limitBytes", -1));
        }
    }

    private final Clock clock;

    PodLogs(Clock clock) {
        this.clock = clock;
    }

    /** kubectl's query, parsed against this server's clock. */
    Options options(QueryStringDecoder q) throws StreamStatus.Refusal {
        return Options.parse(q, clock);
    }

    /** Answers a log request for {@code c} on {@code ch}; a followed log is written from a thread of its own. */
    void serve(Channel ch, boolean keepAlive, PodTarget.Container c, Options o) throws StreamStatus.Refusal {
        long size = FollowedFile.sizeOf(c.logFile());
        byte[] history;
        Instant changed;
        try {
            history = readPrefix(c.logFile(), size);
            changed = size == 0 ? clock.instant() : Files.getLastModifiedTime(c.logFile()).toInstant();
        } catch (IOException e) {
            throw new StreamStatus.Refusal(500, "InternalError", "cannot read the log of container " + c.name()
                    + ": " + e.getMessage());
        }
        Shaper shaper = new Shaper(o);
        String text = shaper.history(new String(history, StandardCharsets.UTF_8), changed);
        if (!o.follow()) {
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
            if (!keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ch.writeAndFlush(res).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                    : ChannelFutureListener.CLOSE);
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.write(head);
        FollowedFile more = new FollowedFile(c.logFile(), size, c.running(), POLL_MILLIS);
        ch.closeFuture().addListener(f -> more.close());
        Thread t = new Thread(() -> follow(ch, text, more, shaper), "log-follow " + c.name());
        t.setDaemon(true);
        t.start();
    }

    private void follow(Channel ch, String history, InputStream more, Shaper shaper) {
        try (more) {
            if (!send(ch, history)) {
                return;
            }
            byte[] buf = new byte[16 * 1024];
            int n;
            while (!shaper.full() && (n = more.read(buf)) >= 0) {
                if (!send(ch, shaper.followed(new String(buf, 0, n, StandardCharsets.UTF_8), clock.instant()))) {
                    return;
                }
            }
            if (!shaper.full()) {
                send(ch, shaper.rest(clock.instant()));
            }
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        } catch (IOException e) {
            ch.close(); // the client left (the stream was closed under the read)
        }
    }

    /** Writes a chunk and waits for it to go out; false once the client has gone. */
    private static boolean send(Channel ch, String text) {
        if (text.isEmpty()) {
            return ch.isActive();
        }
        return ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))))
                .awaitUninterruptibly().isSuccess();
    }

    private static byte[] readPrefix(Path file, long size) throws IOException {
        if (size == 0) {
            return new byte[0];
        }
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
             InputStream in = java.nio.channels.Channels.newInputStream(fc)) {
            return in.readNBytes((int) Math.min(size, Integer.MAX_VALUE - 8));
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    /** Applies the options to the text: whole lines only, each kept or stamped, within the byte limit. */
    static final class Shaper {
        private final Options o;
        private final StringBuilder partial = new StringBuilder();
        private long written;

        Shaper(Options o) {
            this.o = o;
        }

        /** What is in the log already: since, then the last tailLines lines. */
        String history(String text, Instant changed) {
            List<String> lines = new ArrayList<>();
            int start = 0;
            int nl;
            while ((nl = text.indexOf('\n', start)) >= 0) {
                lines.add(text.substring(start, nl + 1));
                start = nl + 1;
            }
            partial.append(text, start, text.length());
            lines.removeIf(l -> !after(l));
            if (o.tailLines() >= 0 && lines.size() > o.tailLines()) {
                lines = lines.subList(lines.size() - o.tailLines(), lines.size());
            }
            StringBuilder out = new StringBuilder();
            for (String l : lines) {
                out.append(stamp(l, changed));
            }
            return limit(out.toString());
        }

        /** More text read now: the complete lines in it (and one left over from before). */
        String followed(String text, Instant now) {
            partial.append(text);
            int last = partial.lastIndexOf("\n");
            if (last < 0) {
                return "";
            }
            String complete = partial.substring(0, last + 1);
            partial.delete(0, last + 1);
            StringBuilder out = new StringBuilder();
            for (String l : complete.split("(?<=\n)")) {
                out.append(stamp(l, now));
            }
            return limit(out.toString());
        }

        /** The last line, without its newline, once the log has ended. */
        String rest(Instant now) {
            String l = partial.toString();
            partial.setLength(0);
            return l.isEmpty() ? "" : limit(stamp(l, now));
        }

        boolean full() {
            return o.limitBytes() >= 0 && written >= o.limitBytes();
        }

        private boolean after(String line) {
            if (o.since() == null) {
                return true;
            }
            Instant t = ownTime(line);
            return t == null || !t.isBefore(o.since());
        }

        private String stamp(String line, Instant fallback) {
            if (!o.timestamps() || ownTime(line) != null) {
                return line;
            }
            return fallback + " " + line;
        }

        private String limit(String text) {
            if (o.limitBytes() < 0) {
                return text;
            }
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            long room = o.limitBytes() - written;
            if (b.length <= room) {
                written += b.length;
                return text;
            }
            written = o.limitBytes();
            return new String(b, 0, (int) Math.max(room, 0), StandardCharsets.UTF_8);
        }

        /** The RFC 3339 time a line starts with, or null. */
        static Instant ownTime(String line) {
            int sp = line.indexOf(' ');
            if (sp < 20 || sp > 40 || !Character.isDigit(line.charAt(0))) {
                return null;
            }
            try {
                return Instant.parse(line.substring(0, sp));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
    }

    /** A boolean parameter as the API server reads one: present and not "false" or "0", in any case ("True" too). */
    static boolean flag(QueryStringDecoder q, String name) {
        String v = param(q, name);
        return v != null && !v.equalsIgnoreCase("false") && !v.equals("0");
    }

    static String param(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static long number(QueryStringDecoder q, String name, long absent) throws StreamStatus.Refusal {
        String v = param(q, name);
        if (v == null) {
            return absent;
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw StreamStatus.Refusal.badRequest(name + " must be a whole number of 0 or more, not " + v);
        }
    }
}
