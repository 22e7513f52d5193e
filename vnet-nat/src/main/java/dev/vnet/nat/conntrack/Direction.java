package dev.vnet.nat.conntrack;

/**
 * Which way a packet travels on a tracked connection: {@link #ORIGINAL} is the way its first packet went
 * (client to Service), {@link #REPLY} the way back.
 */
public enum Direction {
    ORIGINAL,
    REPLY;

    /** The other direction. */
    public Direction opposite() {
        return this == ORIGINAL ? REPLY : ORIGINAL;
    }
}
