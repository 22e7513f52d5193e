package dev.vnet.apiserver.api;

import dev.vnet.fault.FaultSpec;

/**
 * Faults (vnet.dev/v1): what `vnet fault add` injects, listed by `vnet fault list` and `vnet get faults`. A Fault
 * is valid when its arguments parse as {@code vnet fault add} parses them and name the same node, pod and peer.
 */
public final class FaultKind {
    public static final Kind<Fault> KIND = Kind.of(Fault.class)
            .validation(FaultKind::validate)
            .column(Column.of("ID", f -> f.getMetadata().getName()))
            .column(Column.of("NODE", f -> f.spec().node()))
            .column(Column.of("AT", FaultKind::at))
            .column(Column.of("EFFECT", f -> effects(f)))
            .column(Column.of("AGE", (f, ctx) -> Ages.of(f, ctx.now()), false))
            .build();

    private FaultKind() {
    }

    /** The spec a Fault stands for; throws with the one-line reason if its arguments do not parse. */
    public static FaultSpec spec(Fault f) {
        return FaultSpec.parse(f.spec().args());
    }

    static String at(Fault f) {
        return f.spec().pod() != null ? "pod " + f.spec().pod() : f.spec().peer() != null ? "tunnel to "
                + f.spec().peer() : "underlay";
    }

    static String effects(Fault f) {
        try {
            return spec(f).effects();
        } catch (IllegalArgumentException e) {
            return "?";
        }
    }

    static void validate(Fault f) throws InvalidManifestException {
        if (f.spec() == null || f.spec().args() == null || f.spec().args().isEmpty()) {
            throw new InvalidManifestException("spec.args: a fault needs its arguments, e.g. [--node, node-1, --loss, "
                    + "30%]");
        }
        if (f.id() < 1) {
            throw new InvalidManifestException("metadata.name: a fault is named by its id, a number from 1");
        }
        FaultSpec s;
        try {
            s = spec(f);
        } catch (IllegalArgumentException e) {
            throw new InvalidManifestException("spec.args: " + e.getMessage());
        }
        if (!s.node().equals(f.spec().node()) || !java.util.Objects.equals(s.pod(), f.spec().pod())
                || !java.util.Objects.equals(s.peer(), f.spec().peer())) {
            throw new InvalidManifestException("spec: node, pod and peer must be those of spec.args");
        }
    }
}
