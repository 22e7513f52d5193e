package dev.vnet.fault;

import dev.vnet.core.capture.CaptureFilter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code vnet fault add}'s arguments into a {@link FaultSpec}; each bad argument gets one line that says
 * what the option takes, with an example.
 */
final class FaultArgs {

    static final String RATE_USAGE = "--rate takes megabits per second, more than 0 and up to 100000, e.g. --rate 10"
            + " (or 512kbit, 1gbit)";
    static final String MTU_USAGE = "--mtu takes an IP MTU from " + FaultSpec.MIN_MTU + " to " + FaultSpec.MAX_MTU
            + " bytes, e.g. --mtu 1400";
    static final String DROP_USAGE = "--drop takes a tcpdump filter for the frames to drop, e.g. --drop 'tcp port 80'";
    static final String PAUSE_USAGE = "--pause takes sync (the node stops applying changes from the store) or dns"
            + " (the node's DNS stops answering)";

    private static final Pattern PERCENT = Pattern.compile("(\\d+(?:\\.\\d+)?)%?");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(us|ms|s)?");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)(kbit|mbit|gbit)?(?:/s|ps)?");
    private static final Pattern MTU = Pattern.compile("\\d{1,6}");
    private static final Set<String> FLAGS = Set.of("--no-frag-needed");

    private FaultArgs() {
    }

    static String percentUsage(String option) {
        return option + " takes a percentage 0-100, e.g. " + option + " "
                + (option.equals("--loss") ? "30%" : option.equals("--corrupt") ? "1%" : "25%");
    }

    static String delayUsage(String option, String example) {
        return option + " takes a time in milliseconds up to 60s, e.g. " + option + " " + example;
    }

    static FaultSpec parse(List<String> args) {
        FaultSpec.Builder b = new FaultSpec.Builder();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String option = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                option = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!option.startsWith("--") || !known(option)) {
                throw new IllegalArgumentException("unknown option \"" + arg + "\": fault add takes --node NODE"
                        + " [--pod POD | --peer NODE] and effects " + FaultSpec.EFFECTS);
            }
            if (!option.equals("--pause") && !seen.add(option)) {
                throw new IllegalArgumentException(option + " is given twice: give each option once");
            }
            if (FLAGS.contains(option)) {
                if (value != null) {
                    throw new IllegalArgumentException(option + " takes no value");
                }
                b.noFragNeeded();
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                    throw new IllegalArgumentException(option + " needs a value, e.g. " + example(option));
                }
                value = args.get(++i);
            }
            apply(b, option, value.strip());
        }
        return b.build();
    }

    private static boolean known(String option) {
        return switch (option) {
            case "--node", "--pod", "--peer", "--loss", "--delay", "--jitter", "--duplicate", "--reorder",
                 "--corrupt", "--rate", "--drop", "--mtu", "--no-frag-needed", "--pause" -> true;
            default -> false;
        };
    }

    private static String example(String option) {
        return switch (option) {
            case "--node" -> "--node node-1";
            case "--pod" -> "--pod web-1";
            case "--peer" -> "--peer node-2";
            case "--loss" -> "--loss 30%";
            case "--delay" -> "--delay 100ms";
            case "--jitter" -> "--jitter 10ms";
            case "--duplicate" -> "--duplicate 5%";
            case "--reorder" -> "--reorder 25%";
            case "--corrupt" -> "--corrupt 1%";
            case "--rate" -> "--rate 10";
            case "--drop" -> "--drop 'tcp port 80'";
            case "--mtu" -> "--mtu 1400";
            default -> "--pause sync";
        };
    }

    private static void apply(FaultSpec.Builder b, String option, String value) {
        switch (option) {
            case "--node" -> b.node(value);
            case "--pod" -> b.pod(value);
            case "--peer" -> b.peer(value);
            case "--loss" -> b.loss(percent(option, value));
            case "--duplicate" -> b.duplicate(percent(option, value));
            case "--reorder" -> b.reorder(percent(option, value));
            case "--corrupt" -> b.corrupt(percent(option, value));
            case "--delay" -> b.delayNanos(duration(option, value, "100ms"));
            case "--jitter" -> b.jitterNanos(duration(option, value, "10ms"));
            case "--rate" -> b.rateMbit(rate(value));
            case "--drop" -> b.drop(value);
            case "--mtu" -> {
                if (!MTU.matcher(value).matches()) {
                    throw new IllegalArgumentException(MTU_USAGE + " (not \"" + value + "\")");
                }
                b.mtu(Integer.parseInt(value));
            }
            case "--pause" -> {
                FaultSpec.Pause p = FaultSpec.Pause.of(value.toLowerCase(Locale.ROOT));
                if (p == null) {
                    throw new IllegalArgumentException(PAUSE_USAGE + " (not \"" + value + "\")");
                }
                b.pause(p);
            }
            default -> throw new IllegalStateException("unhandled option " + option);
        }
    }

    private static double percent(String option, String value) {
        Matcher m = PERCENT.matcher(value);
        double v = m.matches() ? Double.parseDouble(m.group(1)) : -1;
        if (!(v >= 0 && v <= 100)) {
            throw new IllegalArgumentException(percentUsage(option) + " (not \"" + value + "\")");
        }
        return v;
    }

    private static long duration(String option, String value, String example) {
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(delayUsage(option, example) + " (not \"" + value + "\")");
        }
        double scale = m.group(2) == null || m.group(2).equals("ms") ? 1e6 : m.group(2).equals("s") ? 1e9 : 1e3;
        double nanos = Double.parseDouble(m.group(1)) * scale;
        if (nanos > FaultSpec.MAX_DELAY_NANOS) {
            throw new IllegalArgumentException(delayUsage(option, example) + " (not \"" + value + "\")");
        }
        return Math.round(nanos);
    }

    private static double rate(String value) {
        Matcher m = RATE.matcher(value.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(RATE_USAGE + " (not \"" + value + "\")");
        }
        double scale = m.group(2) == null || m.group(2).equals("mbit") ? 1 : m.group(2).equals("kbit") ? 1e-3 : 1e3;
        double mbit = Double.parseDouble(m.group(1)) * scale;
        if (!(mbit > 0 && mbit <= FaultSpec.MAX_RATE_MBIT)) {
            throw new IllegalArgumentException(RATE_USAGE + " (not \"" + value + "\")");
        }
        return mbit;
    }

    /** Compiles a drop filter; libpcap's one-line message follows "--drop: ". */
    static CaptureFilter filter(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(DROP_USAGE);
        }
        try {
            return CaptureFilter.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--drop: " + e.getMessage(), e);
        }
    }
}
