package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.NamespaceKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Namespaces, as the API server's NamespaceLifecycle plugin and the namespace controller keep them:
 * <ul>
 *   <li>a Namespace is stored Active, labelled {@code kubernetes.io/metadata.name=NAME};</li>
 *   <li>an object is created only in a namespace that exists, or that the same apply creates before it
 *       (kubectl applies a file in order), and not in one being deleted;</li>
 *   <li>default and kube-system cannot be deleted;</li>
 *   <li>deleting a namespace first marks it Terminating, then deletes what is in it — its objects of every
 *       namespaced kind of the registry, waiting for pods until their nodes let go — and only then the Namespace,
 *       so that {@code vnet delete ns} returns once they are gone, as kubectl's delete does.</li>
 * </ul>
 */
public final class NamespaceAdmission implements Admission<Namespace> {
    NamespaceAdmission() {
    }

    /** The labels of namespace {@code name} (what a namespaceSelector matches), or none when it does not exist. */
    public static Map<String, String> labels(ClusterStore store, String name) {
        return store.get(NamespaceKind.KIND, key(name)).map(v -> NamespaceKind.labels(v.value())).orElse(Map.of());
    }

    private static String key(String name) {
        return ClusterStore.key("", name);
    }

    @Override
    public Namespace admit(Namespace want, Namespace existing, AdmissionContext ctx) {
        String phase = existing == null ? NamespaceKind.ACTIVE : NamespaceKind.phase(existing);
        return Admission.generic(NamespaceKind.withServerFields(want, phase), existing);
    }

    /** Refuses {@code want} unless its namespace exists (or is created earlier in this apply) and is not going away. */
    static <T extends HasMetadata> void requireNamespace(Kind<T> kind, T want, T existing, AdmissionContext ctx)
            throws ApiException {
        String ns = want.getMetadata().getNamespace();
        Optional<Namespace> stored = ctx.store().get(NamespaceKind.KIND, key(ns)).map(ClusterStore.Versioned::value);
        if (stored.isEmpty()) {
            if (ctx.planned(NamespaceKind.KIND).stream().anyMatch(n -> NamespaceKind.name(n).equals(ns))) {
                return;
            }
            throw new ApiException("namespaces \"" + ns + "\" not found: apply the Namespace first (a document before "
                    + kind.singular() + "/" + want.getMetadata().getName() + " in the same file will do)");
        }
        if (existing == null && NamespaceKind.TERMINATING.equals(NamespaceKind.phase(stored.get()))) {
            throw new ApiException("unable to create new content in namespace " + ns + " because it is being "
                    + "terminated");
        }
    }

    @Override
    public void deleting(Namespace existing, AdmissionContext ctx) throws ApiException {
        String name = NamespaceKind.name(existing);
        if (NamespaceKind.BUILT_IN.contains(name)) {
            throw new ApiException("namespaces \"" + name + "\" is forbidden: this namespace may not be deleted");
        }
        markTerminating(name, ctx.store());
        // Delete everything first, then wait: the nodes stop the pods meanwhile, all at once.
        List<Runnable> waits = new ArrayList<>();
        for (Kind<?> kind : ctx.kinds().all()) {
            if (kind.namespaced()) {
                deleteIn(kind, name, ctx, waits);
            }
        }
        waits.forEach(Runnable::run);
    }

    /** Stored Terminating, so that an apply meanwhile cannot create anything in it. */
    private static void markTerminating(String name, ClusterStore store) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<ClusterStore.Versioned<Namespace>> now = store.get(NamespaceKind.KIND, key(name));
            if (now.isEmpty()) {
                return;
            }
            try {
                store.update(NamespaceKind.KIND, key(name),
                        NamespaceKind.withServerFields(now.get().value(), NamespaceKind.TERMINATING), now.get().revision());
                return;
            } catch (ClusterStore.ConflictException e) {
                // Written meanwhile: read it again.
            }
        }
    }

    private static <T extends HasMetadata> void deleteIn(Kind<T> kind, String namespace, AdmissionContext ctx,
                                                        List<Runnable> waits) throws ApiException {
        Admission<T> admission = Admissions.of(kind);
        for (T o : ctx.store().list(kind)) {
            if (!namespace.equals(o.getMetadata().getNamespace())) {
                continue;
            }
            String key = ClusterStore.key(o);
            admission.deleting(o, ctx);
            if (ctx.store().delete(kind, key)) {
                waits.add(() -> admission.deleted(key, ctx));
            }
        }
    }
}
