package dev.vnet.fault;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class FaultSpecTest {

    static List<String> args(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }

    /** vnet fault add's arguments, and how the fault describes itself in traces and lists. */
    static final String[][] DESCRIPTIONS = {
        {"--node node-1 --peer node-2 --loss 100%", "loss 100% on node-1 → node-2"},
        {"--node node-1 --pod web-1 --delay 100ms --jitter 10ms", "delay 100ms ±10ms on pod web-1"},
        {"--node node-1 --pod web-1 --delay 100 --jitter 10", "delay 100ms ±10ms on pod web-1"},
        {"--node=node-1 --pod=web-1 --delay=0.5s", "delay 500ms on pod web-1"},
        {"--node node-1 --delay 1.5ms", "delay 1.5ms on node-1's underlay"},
        {"--node node-1 --delay 250us", "delay 0.25ms on node-1's underlay"},
        {"--node node-1 --delay 2s", "delay 2s on node-1's underlay"},
        {"--node node-1 --loss 0.5", "loss 0.5% on node-1's underlay"},
        {"--node node-1 --peer node-2 --duplicate 5% --corrupt 1%", "duplicate 5%, corrupt 1% on node-1 → node-2"},
        {"--node node-1 --reorder 25%", "reorder 25% (held back 10ms) on node-1's underlay"},
        {"--node node-1 --reorder 25% --delay 20ms", "delay 20ms, reorder 25% on node-1's underlay"},
        {"--node node-1 --rate 10", "rate 10Mbit/s on node-1's underlay"},
        {"--node node-1 --rate 512kbit", "rate 0.512Mbit/s on node-1's underlay"},
        {"--node node-1 --rate 1gbit", "rate 1000Mbit/s on node-1's underlay"},
        {"--node node-1 --rate 2.5Mbit/s", "rate 2.5Mbit/s on node-1's underlay"},
        {"--node node-1 --mtu 1400 --no-frag-needed", "mtu 1400, no-frag-needed on node-1's underlay"},
        {"--node node-2 --pod default/db-1 --no-frag-needed", "no-frag-needed on pod default/db-1"},
        {"--node node-1 --pause sync", "pause sync on node-1"},
        {"--node node-1 --pause dns --pause sync", "pause sync, pause dns on node-1"},
        {"--loss 30% --node node-1", "loss 30% on node-1's underlay"},
    };

    @Test
    void describesItselfAsTracesNameIt() {
        List<Executable> checks = new ArrayList<>();
        for (String[] c : DESCRIPTIONS) {
            checks.add(() -> assertEquals(c[1], FaultSpec.parse(args(c[0])).describe(), c[0]));
        }
        assertAll(checks);
    }

    @Test
    void theArgumentsItPrintsParseBackToTheSameSpec() {
        List<Executable> checks = new ArrayList<>();
        for (String[] c : DESCRIPTIONS) {
            checks.add(() -> {
                FaultSpec spec = FaultSpec.parse(args(c[0]));
                assertEquals(spec, FaultSpec.parse(spec.toArgs()), c[0]);
                assertEquals(spec.toArgs(), FaultSpec.parse(spec.toArgs()).toArgs(), c[0]);
            });
        }
        assertAll(checks);
    }

    @Test
    void theFieldsHoldWhatWasGiven() {
        FaultSpec s = FaultSpec.parse(args("--node node-1 --peer node-2 --loss 30% --delay 100ms --jitter 10ms"
                + " --rate 10 --mtu 1400"));
        assertEquals("node-1", s.node());
        assertEquals("node-2", s.peer());
        assertEquals(null, s.pod());
        assertEquals(FaultSpec.Where.TUNNEL, s.where());
        assertEquals(30.0, s.lossPercent());
        assertEquals(100_000_000L, s.delayNanos());
        assertEquals(10_000_000L, s.jitterNanos());
        assertEquals(10.0, s.rateMbit());
        assertEquals(1400, s.mtu());
        assertTrue(s.touchesFrames());
        assertTrue(s.holdsFrames());
        assertEquals(FaultSpec.Where.POD, FaultSpec.on("node-1").pod("web-1").loss(1).build().where());
        assertEquals(FaultSpec.Where.UNDERLAY, FaultSpec.on("node-1").loss(1).build().where());
        FaultSpec pause = FaultSpec.parse(args("--node node-1 --pause sync"));
        assertEquals(Set.of(FaultSpec.Pause.SYNC), pause.pauses());
        assertFalse(pause.touchesFrames());
        assertFalse(FaultSpec.on("node-1").mtu(1400).build().holdsFrames());
    }

    @Test
    void aDropFilterIsCompiledByLibpcap() {
        Libpcap.assumeInstalled();
        FaultSpec s = FaultSpec.parse(List.of("--node", "node-1", "--drop", "tcp port 80"));
        assertEquals("drop 'tcp port 80' on node-1's underlay", s.describe());
        assertEquals(List.of("--node", "node-1", "--drop", "tcp port 80"), s.toArgs());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultSpec.parse(List.of("--node", "node-1", "--drop", "tcp prot 80")));
        assertEquals("--drop: bad capture filter \"tcp prot 80\": syntax error", e.getMessage());
    }

    /** Bad arguments, and the one line each gets. */
    static final String[][] ERRORS = {
        {"--loss 30%", "--node is required: the node whose data path the fault is on, e.g. --node node-1"},
        {"--node node-1", "a fault needs an effect: " + FaultSpec.EFFECTS},
        {"--node node-1 --loss 0%", "a fault needs an effect: " + FaultSpec.EFFECTS},
        {"--node node-1 --loss 130%", "--loss takes a percentage 0-100, e.g. --loss 30% (not \"130%\")"},
        {"--node node-1 --loss lots", "--loss takes a percentage 0-100, e.g. --loss 30% (not \"lots\")"},
        {"--node node-1 --loss -5", "--loss takes a percentage 0-100, e.g. --loss 30% (not \"-5\")"},
        {"--node node-1 --duplicate 101", "--duplicate takes a percentage 0-100, e.g. --duplicate 25% (not \"101\")"},
        {"--node node-1 --corrupt x%", "--corrupt takes a percentage 0-100, e.g. --corrupt 1% (not \"x%\")"},
        {"--node node-1 --loss", "--loss needs a value, e.g. --loss 30%"},
        {"--node node-1 --loss --delay 10ms", "--loss needs a value, e.g. --loss 30%"},
        {"--node node-1 --delay soon", "--delay takes a time in milliseconds up to 60s, e.g. --delay 100ms (not \"soon\")"},
        {"--node node-1 --delay 61s", "--delay takes a time in milliseconds up to 60s, e.g. --delay 100ms (not \"61s\")"},
        {"--node node-1 --jitter 10ms", "--jitter needs --delay: jitter varies the delay, e.g. --delay 100ms --jitter 10ms"},
        {"--node node-1 --delay 10ms --jitter 20ms",
            "--jitter 20ms exceeds --delay 10ms: a frame cannot leave before it arrived; give a jitter up to the delay"},
        {"--node node-1 --rate 0", FaultArgs.RATE_USAGE + " (not \"0\")"},
        {"--node node-1 --rate fast", FaultArgs.RATE_USAGE + " (not \"fast\")"},
        {"--node node-1 --mtu 40", "--mtu takes an IP MTU from 68 to 65535 bytes, e.g. --mtu 1400"},
        {"--node node-1 --mtu big", "--mtu takes an IP MTU from 68 to 65535 bytes, e.g. --mtu 1400 (not \"big\")"},
        {"--node node-1 --pause time", FaultArgs.PAUSE_USAGE + " (not \"time\")"},
        {"--node node-1 --pod web-1 --peer node-2 --loss 1",
            "--pod and --peer exclude each other: a fault is at a pod's port (--pod), on the tunnel to one peer"
                + " (--peer), or with neither on the node's whole underlay"},
        {"--node node-1 --peer node-1 --loss 1",
            "--peer must be another node than --node: no tunnel leads from node-1 to itself"},
        {"--node node-1 --pod web-1 --pause sync", "--pause stops a loop of the whole node: give it without --pod or --peer"},
        {"--node node-1 --pause sync --loss 5", "--pause goes alone: add the data-plane effects as a fault of their own"},
        {"--node Node_1 --loss 1", "--node takes a node's name, e.g. --node node-1 (not \"Node_1\")"},
        {"--node node-1 --pod a/b/c --loss 1", "--pod takes a pod's name, e.g. --pod web-1 (or default/web-1) (not \"a/b/c\")"},
        {"--node node-1 --lose 30%", "unknown option \"--lose\": fault add takes --node NODE [--pod POD | --peer NODE]"
            + " and effects " + FaultSpec.EFFECTS},
        {"node-1 --loss 30%", "unknown option \"node-1\": fault add takes --node NODE [--pod POD | --peer NODE]"
            + " and effects " + FaultSpec.EFFECTS},
        {"--node node-1 --loss 1 --loss 2", "--loss is given twice: give each option once"},
        {"--node node-1 --no-frag-needed=yes", "--no-frag-needed takes no value"},
    };

    @Test
    void badArgumentsGetOneLineThatSaysWhatToWrite() {
        List<Executable> checks = new ArrayList<>();
        for (String[] c : ERRORS) {
            checks.add(() -> {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> FaultSpec.parse(args(c[0])), c[0]);
                assertEquals(c[1], e.getMessage(), c[0]);
                assertFalse(e.getMessage().contains("\n"), c[0]);
            });
        }
        assertAll(checks);
    }

    @Test
    void theBuilderChecksAsParseDoes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaultSpec.on("node-1").loss(130).build());
        assertEquals("--loss takes a percentage 0-100, e.g. --loss 30%", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FaultSpec.on("node-1").drop(" ").build());
        assertEquals(FaultArgs.DROP_USAGE, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FaultSpec.on("node-1").mtu(67).build());
        assertEquals(FaultArgs.MTU_USAGE, e.getMessage());
        assertEquals("loss 30%, delay 100ms ±10ms on node-1 → node-2", FaultSpec.on("node-1").peer("node-2")
                .loss(30).delayMillis(100).jitterMillis(10).build().describe());
    }
}
