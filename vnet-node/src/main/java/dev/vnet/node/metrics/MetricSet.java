package dev.vnet.node.metrics;

import dev.vnet.core.packet.DropReason;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Registers callback metrics in one registry, each carrying the same constant labels (the node's name).
 * Nothing is counted here: every callback reads a stage's own counters when Prometheus scrapes.
 */
final class MetricSet {
    private final PrometheusRegistry registry;
    private final Labels constLabels;

    MetricSet(PrometheusRegistry registry, Labels constLabels) {
        this.registry = registry;
        this.constLabels = constLabels;
    }

    /** A counter named {@code name} (ending in {@code _total}), read by {@code callback} at scrape time. */
    void counter(String name, String help, Consumer<CounterWithCallback.Callback> callback, String... labelNames) {
        CounterWithCallback.builder().name(name).help(help).constLabels(constLabels).labelNames(labelNames)
                .callback(callback).register(registry);
    }

    /** A counter of bytes: {@code name} ends in {@code _bytes_total}. */
    void byteCounter(String name, String help, Consumer<CounterWithCallback.Callback> callback,
                     String... labelNames) {
        CounterWithCallback.builder().name(name).help(help).unit(Unit.BYTES).constLabels(constLabels)
                .labelNames(labelNames).callback(callback).register(registry);
    }

    /** A gauge (a current size, such as table entries), read by {@code callback} at scrape time. */
    void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> callback, String... labelNames) {
        GaugeWithCallback.builder().name(name).help(help).constLabels(constLabels).labelNames(labelNames)
                .callback(callback).register(registry);
    }

    /** The label value for a drop reason: its enum name in lower case, such as {@code no_route}. */
    static String reason(DropReason r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    /** Reports each non-zero drop count, the reason label last after {@code leading} label values. */
    static void drops(CounterWithCallback.Callback cb, Map<DropReason, Long> byReason, String... leading) {
        byReason.forEach((r, n) -> {
            String[] values = Arrays.copyOf(leading, leading.length + 1);
            values[leading.length] = reason(r);
            cb.call(n, values);
        });
    }
}
