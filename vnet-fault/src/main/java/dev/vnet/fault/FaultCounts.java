package dev.vnet.fault;

/**
 * One fault's counters at a moment: frames it saw, and what it did to them. A frame both delayed and corrupted
 * counts in both; a duplicate counts once in {@code duplicated}; drops for a full queue count in
 * {@code dropped}.
 */
public record FaultCounts(long seen, long dropped, long delayed, long duplicated, long corrupted) {

    /** "seen 10000, dropped 3012, delayed 0, duplicated 0, corrupted 0". */
    @Override
    public String toString() {
        return "seen " + seen + ", dropped " + dropped + ", delayed " + delayed + ", duplicated " + duplicated
                + ", corrupted " + corrupted;
    }
}
