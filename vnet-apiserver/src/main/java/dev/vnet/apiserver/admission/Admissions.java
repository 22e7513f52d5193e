package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.SecretKind;
import dev.vnet.apiserver.api.ServiceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/** The admission plugin of each kind that has one; every other kind is written as {@link Admission#generic}. */
public final class Admissions {
    private static final Map<Kind<?>, Admission<?>> PLUGINS = Map.of(
            NamespaceKind.KIND, new NamespaceAdmission(),
            PodKind.KIND, new PodAdmission(),
            ServiceKind.KIND, new ServiceAdmission(),
            SecretKind.KIND, new SecretAdmission());

    private Admissions() {
    }

    @SuppressWarnings("unchecked")
    public static <T extends HasMetadata> Admission<T> of(Kind<T> kind) {
        Admission<?> a = PLUGINS.get(kind);
        return a != null ? (Admission<T>) a : new Admission<T>() {
            @Override
            public T admit(T want, T existing, AdmissionContext ctx) throws ApiException {
                return Admission.generic(want, existing);
            }
        };
    }

    /**
     * Admits one object of an apply: an object of a namespaced kind only into a namespace that exists (the API
     * server's NamespaceLifecycle plugin, which runs first), then as its kind's plugin says. For a kind whose
     * status a controller writes, the stored status is kept (the manifest's ignored) and metadata.generation counts
     * the changes of the rest, as the API server does for a resource with a status subresource.
     */
    public static <T extends HasMetadata> T admit(Kind<T> kind, T want, T existing, AdmissionContext ctx)
            throws ApiException {
        if (kind.namespaced()) {
            NamespaceAdmission.requireNamespace(kind, want, existing, ctx);
        }
        if (kind.statusWrittenBy() != null) {
            want = withServerStatus(kind, want, existing);
        }
        return of(kind).admit(want, existing, ctx);
    }

    private static <T extends HasMetadata> T withServerStatus(Kind<T> kind, T want, T existing) {
        T out = kind.withStatus(want, existing == null ? null : kind.status(existing));
        long generation = 1;
        if (existing != null) {
            Long had = existing.getMetadata().getGeneration();
            generation = had == null ? 1 : had;
            if (!specOf(want).equals(specOf(existing))) {
                generation++;
            }
        }
        out.getMetadata().setGeneration(generation);
        return out;
    }

    /** Everything but metadata and status: what a change of bumps the generation. */
    private static tools.jackson.databind.JsonNode specOf(HasMetadata o) {
        tools.jackson.databind.node.ObjectNode tree = (tools.jackson.databind.node.ObjectNode)
                dev.vnet.apiserver.api.Json.tree(o);
        tree.remove(java.util.List.of("metadata", "status"));
        return tree;
    }
}
