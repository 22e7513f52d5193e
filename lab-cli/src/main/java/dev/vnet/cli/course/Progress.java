package dev.vnet.cli.course;

import java.util.Map;
import java.util.TreeMap;

/**
 * The learner's progress through the labs, as saved in the progress file (JSON): the current lab, and per
 * lab the current step, the hints shown for it, whether it passed, and when it started and ended.
 */
public final class Progress {
    /** The lab that {@code check}, {@code hint}, {@code next}... apply to when no id is given; null if none. */
    public String current;
    /** Per lab id. */
    public Map<String, LabProgress> labs = new TreeMap<>();

    /** One lab's progress. */
    public static final class LabProgress {
        /** The current step, counted from 1. */
        public int step = 1;
        /** How many of the current step's hints were shown. */
        public int hintsShown;
        /** Whether the current step's checks all passed at the last check. */
        public boolean passed;
        /** Whether the lab was finished (its recap shown). */
        public boolean done;
        public String startedAt;
        public String finishedAt;
        /** The start time of the vnet lab the lab's manifests were applied to, to notice a restarted vnet lab. */
        public String labStartedAt;
        /** Counter values when the current step began, for checks that count growth; key NODE/PATH. */
        public Map<String, Long> baselines = new TreeMap<>();
    }

    public LabProgress of(String id) {
        return labs.get(id);
    }
}
