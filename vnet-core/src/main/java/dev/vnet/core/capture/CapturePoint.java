package dev.vnet.core.capture;

import java.time.Instant;
import java.util.Objects;

/**
 * A {@link FrameObserver} that writes the frames its filter matches to one capture point of a
 * {@link CaptureSink}: what a stage holds in its observer field while someone captures there.
 *
 * <p>Stages pass {@code System.nanoTime()} as {@code nowNanos}, which has no fixed origin; capture files
 * want time since the epoch. The point adds {@code epochOffsetNanos}, taken once when the capture starts
 * with {@link #epochOffsetNanos()}, so the data path never reads the wall clock.
 */
public final class CapturePoint implements FrameObserver {

    private final CaptureSink sink;
    private final int interfaceId;
    private final int linkType;
    private final CaptureFilter filter;
    private final long epochOffsetNanos;

    /**
     * @param interfaceId what {@link CaptureSink#addInterface} returned for this point
     * @param linkType the link type of the frames the stage sees, as given to addInterface
     * @param epochOffsetNanos added to {@code nowNanos} to give nanoseconds since the epoch
     */
    public CapturePoint(CaptureSink sink, int interfaceId, int linkType, CaptureFilter filter,
            long epochOffsetNanos) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.interfaceId = interfaceId;
        this.linkType = linkType;
        this.filter = Objects.requireNonNull(filter, "filter");
        this.epochOffsetNanos = epochOffsetNanos;
    }

    /** The wall clock minus {@code System.nanoTime()}, now: the offset that turns one into the other. */
    public static long epochOffsetNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    /** Writes the frame, borrowed as FrameObserver says, if the filter matches it; allocates nothing. */
    @Override
    public void frame(java.nio.ByteBuffer buf, int offset, int length, long nowNanos) {
        if (filter.matchesAll() || filter.matches(buf, offset, length, linkType)) {
            sink.write(interfaceId, nowNanos + epochOffsetNanos, buf, offset, length, null);
        }
    }
}
