package dev.vnet.node.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The log options applied to a log's text: tail, since, timestamps, limitBytes, and lines split across reads. */
class PodStreamsShaperTest {
    private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String LOG = """
            2025-01-01T11:00:00Z GET / 200
            plain line
            2025-01-01T11:59:30Z GET /x 404
            """;

    private static PodLogs.Shaper shaper(String query) throws StreamStatus.Refusal {
        return new PodLogs.Shaper(PodLogs.Options.parse(new QueryStringDecoder("/log?" + query), CLOCK));
    }

    @Test
    void tailKeepsTheLastLines() throws Exception {
        assertEquals("plain line\n2025-01-01T11:59:30Z GET /x 404\n", shaper("tailLines=2").history(LOG, NOW));
        assertEquals("", shaper("tailLines=0").history(LOG, NOW));
        assertEquals(LOG, shaper("").history(LOG, NOW));
    }

    @Test
    void sinceDropsOlderStampedLinesAndKeepsUnstampedOnes() throws Exception {
        assertEquals("plain line\n2025-01-01T11:59:30Z GET /x 404\n", shaper("sinceSeconds=60").history(LOG, NOW));
        assertEquals(LOG, shaper("sinceTime=2025-01-01T10:00:00Z").history(LOG, NOW));
    }

    @Test
    void timestampsStampOnlyLinesWithoutTheirOwn() throws Exception {
        Instant changed = Instant.parse("2025-01-01T11:59:59Z");
        String out = shaper("timestamps=true").history(LOG, changed);
        assertEquals("2025-01-01T11:00:00Z GET / 200\n2025-01-01T11:59:59Z plain line\n"
                + "2025-01-01T11:59:30Z GET /x 404\n", out);
    }

    @Test
    void followedTextComesOutInWholeLines() throws Exception {
        PodLogs.Shaper s = shaper("");
        assertEquals("", s.history("first par", NOW));
        assertEquals("first part\n", s.followed("t\nsec", NOW));
        assertEquals("", s.followed("ond", NOW));
        assertEquals("second", s.rest(NOW));
    }

    @Test
    void limitBytesCutsTheStream() throws Exception {
        PodLogs.Shaper s = shaper("limitBytes=12");
        assertEquals("2025-01-01T1", s.history(LOG, NOW));
        assertTrue(s.full());
        assertEquals("", s.followed("more\n", NOW));
    }

    @Test
    void badNumbersAreRefusedWithTheirName() {
        StreamStatus.Refusal r = assertThrows(StreamStatus.Refusal.class, () -> shaper("tailLines=abc"));
        assertEquals("tailLines must be a whole number of 0 or more, not abc", r.getMessage());
        assertEquals(400, r.code);
        assertThrows(StreamStatus.Refusal.class, () -> shaper("sinceSeconds=1&sinceTime=2025-01-01T00:00:00Z"));
    }
}
