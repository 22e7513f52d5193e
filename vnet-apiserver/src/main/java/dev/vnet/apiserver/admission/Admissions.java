package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.api.PodKind;
import dev.vnet.apiserver.api.ServiceKind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;

/** The admission plugin of each kind that has one; every other kind is written as {@link Admission#generic}. */
public final class Admissions {
    private static final Map<Kind<?>, Admission<?>> PLUGINS = Map.of(
            NamespaceKind.KIND, new NamespaceAdmission(),
            PodKind.KIND, new PodAdmission(),
            ServiceKind.KIND, new ServiceAdmission());

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
     * server's NamespaceLifecycle plugin, which runs first), then as its kind's plugin says.
     */
    public static <T extends HasMetadata> T admit(Kind<T> kind, T want, T existing, AdmissionContext ctx)
            throws ApiException {
        if (kind.namespaced()) {
            NamespaceAdmission.requireNamespace(kind, want, existing, ctx);
        }
        return of(kind).admit(want, existing, ctx);
    }
}
