package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.util.List;
import java.util.Map;

/**
 * Namespaces: the named scopes pods and Services live in (cluster-scoped themselves). The kind's declaration and
 * what the API server keeps on every Namespace; what writing or deleting one does is its admission
 * ({@code NamespaceAdmission}).
 */
public final class NamespaceKind {
    public static final String DEFAULT = "default";
    public static final String KUBE_SYSTEM = "kube-system";
    /** The namespaces a cluster starts with (ClusterBootstrap makes them); they cannot be deleted. */
    public static final List<String> BUILT_IN = List.of(DEFAULT, KUBE_SYSTEM);
    /** The label the API server puts on every Namespace, with its name: what a namespaceSelector can match. */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";
    public static final String ACTIVE = "Active";
    /** A namespace whose contents are being deleted: nothing new may be created in it. */
    public static final String TERMINATING = "Terminating";

    public static final Kind<Namespace> KIND = Kind.of(Namespace.class).shortNames("ns")
            .validation(n -> Names.validateMetadata(n, Names::dns1123Label))
            .actsOn("status")
            .column(Column.of("NAME", n -> n.getMetadata().getName()))
            .column(Column.of("STATUS", NamespaceKind::phase))
            .column(Column.of("AGE", (n, ctx) -> Ages.of(n, ctx.now()), false))
            .describer((n, ctx) -> Description.head(n).field("Status:", phase(n)))
            .build();

    private NamespaceKind() {
    }

    public static String name(Namespace n) {
        return n.getMetadata().getName();
    }

    /** Active, or Terminating while its contents are deleted. */
    public static String phase(Namespace n) {
        return n.getStatus() == null || n.getStatus().getPhase() == null ? ACTIVE : n.getStatus().getPhase();
    }

    /** The namespace's labels (never null), as a namespaceSelector reads them. */
    public static Map<String, String> labels(Namespace n) {
        Map<String, String> labels = n.getMetadata().getLabels();
        return labels == null ? Map.of() : Map.copyOf(labels);
    }

    /**
     * {@code want} as the API server stores it: labelled {@code kubernetes.io/metadata.name=NAME} (a different
     * value given for that label is overwritten, as the API server does) and with status {@code phase}.
     */
    public static Namespace withServerFields(Namespace want, String phase) {
        return new NamespaceBuilder(want).editOrNewMetadata().addToLabels(NAME_LABEL, name(want)).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build();
    }

    /** A new, Active namespace named {@code name}, as a cluster's bootstrap makes default and kube-system. */
    public static Namespace active(String name) {
        return withServerFields(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build(), ACTIVE);
    }
}
