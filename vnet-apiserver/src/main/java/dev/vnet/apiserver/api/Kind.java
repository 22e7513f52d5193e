package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One resource kind, declared once: its type (a fabric8 model class, or vnet's own), its group, version, names
 * and scope (read from the type's annotations, as the API server's discovery would list them), how it is
 * validated, which fields vnet acts on, its printer columns and its describe output. {@code apply}, {@code get},
 * {@code describe}, {@code delete}, the store and REPL completion all read it from the {@link Kinds} registry.
 *
 * <p>What a kind does when it is written (scheduling, address allocation) is its admission, in the API server's
 * {@code admission} package; a kind without any is stored as given.
 */
public final class Kind<T extends HasMetadata> {
    /** Checks an object before it is stored; each failure is one line naming the field. */
    @FunctionalInterface
    public interface Validator<T> {
        void validate(T object) throws InvalidManifestException;
    }

    /** What {@code vnet describe} prints for one object. */
    @FunctionalInterface
    public interface Describer<T> {
        Description describe(T object, DescribeContext context);
    }

    private final Class<T> type;
    private final String kind;
    private final String group;
    private final String version;
    private final String plural;
    private final String singular;
    private final List<String> shortNames;
    private final boolean namespaced;
    private final Validator<T> validator;
    private final List<String> actedOn;
    private final List<Column<T>> columns;
    private final Describer<T> describer;
    private final String managedBy;
    private final String statusWrittenBy;

    private Kind(Builder<T> b) {
        this.type = b.type;
        this.kind = HasMetadata.getKind(b.type);
        this.group = HasMetadata.getGroup(b.type) == null ? "" : HasMetadata.getGroup(b.type);
        this.version = HasMetadata.getVersion(b.type);
        this.plural = HasMetadata.getPlural(b.type);
        this.singular = HasMetadata.getSingular(b.type);
        this.shortNames = List.copyOf(b.shortNames);
        this.namespaced = Namespaced.class.isAssignableFrom(b.type);
        this.validator = b.validator;
        this.actedOn = List.copyOf(b.actedOn);
        this.columns = List.copyOf(b.columns);
        this.describer = b.describer;
        this.managedBy = b.managedBy;
        this.statusWrittenBy = b.statusWrittenBy;
    }

    public static <T extends HasMetadata> Builder<T> of(Class<T> type) {
        return new Builder<>(type);
    }

    public Class<T> type() {
        return type;
    }

    /** The kind's name, as manifests write it: Pod. Also the kind's name in the cluster store. */
    public String kind() {
        return kind;
    }

    public String group() {
        return group;
    }

    /** v1, or GROUP/VERSION: networking.k8s.io/v1. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The resource name: pods. */
    public String plural() {
        return plural;
    }

    /** The plural with its group, as kubectl names a resource in messages: endpointslices.discovery.k8s.io. */
    public String resource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    public String singular() {
        return singular;
    }

    public List<String> shortNames() {
        return shortNames;
    }

    public boolean namespaced() {
        return namespaced;
    }

    /** Every word that names this kind on a command line: pods, pod, po, pods.GROUP. */
    public List<String> words() {
        List<String> out = new ArrayList<>(List.of(plural, singular));
        out.addAll(shortNames);
        if (!group.isEmpty()) {
            out.add(plural + "." + group);
        }
        return out;
    }

    /** Null if users may apply and delete this kind; else who writes it (Endpoints: "the endpoints controller"). */
    public String managedBy() {
        return managedBy;
    }

    /**
     * Null if an apply writes the whole object; else who writes its status (the ingress controller), as the API
     * server's status subresource: an apply keeps the stored status and ignores the manifest's.
     */
    public String statusWrittenBy() {
        return statusWrittenBy;
    }

    /** The object's status as JSON (a missing node when it has none). */
    public JsonNode status(T object) {
        return Json.tree(object).path("status");
    }

    /**
     * A copy of {@code object} with its status replaced by {@code status}: a model status object (IngressStatus)
     * or its JSON tree; null (or a missing node) removes it.
     */
    public T withStatus(T object, Object status) {
        ObjectNode tree = (ObjectNode) Json.tree(object);
        JsonNode s = status == null ? null : status instanceof JsonNode n ? n : Json.tree(status);
        if (s == null || s.isNull() || s.isMissingNode()) {
            tree.remove("status");
        } else {
            tree.set("status", s);
        }
        return Json.convert(tree, type);
    }

    public void validate(T object) throws InvalidManifestException {
        validator.validate(object);
    }

    /** Field paths vnet acts on ({@code spec.containers[].image}); a set field outside them is warned about. */
    public List<String> actedOn() {
        return actedOn;
    }

    public List<Column<T>> columns() {
        return columns;
    }

    public Description describe(T object, DescribeContext context) {
        return describer.describe(object, context);
    }

    public T cast(Object o) {
        return type.cast(o);
    }

    @Override
    public String toString() {
        return kind;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Kind<?> k && k.type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    public static final class Builder<T extends HasMetadata> {
        private final Class<T> type;
        private final List<String> shortNames = new ArrayList<>();
        private Validator<T> validator = Names::validateMetadata;
        private final List<String> actedOn = new ArrayList<>(List.of("apiVersion", "kind", "metadata.name",
                "metadata.namespace", "metadata.labels", "metadata.annotations"));
        private final List<Column<T>> columns = new ArrayList<>();
        private Describer<T> describer = Description::generic;
        private String managedBy;
        private String statusWrittenBy;

        private Builder(Class<T> type) {
            this.type = Objects.requireNonNull(type);
        }

        public Builder<T> shortNames(String... names) {
            shortNames.addAll(List.of(names));
            return this;
        }

        /** The kind's own checks (the metadata checks every kind shares run first, inside them). */
        public Builder<T> validation(Validator<T> v) {
            this.validator = v;
            return this;
        }

        public Builder<T> actsOn(String... paths) {
            actedOn.addAll(List.of(paths));
            return this;
        }

        public Builder<T> column(Column<T> c) {
            columns.add(c);
            return this;
        }

        public Builder<T> describer(Describer<T> d) {
            this.describer = d;
            return this;
        }

        /** The kind is written by vnet, not by users: apply and delete refuse it with this reason. */
        public Builder<T> managedBy(String who) {
            this.managedBy = who;
            return this;
        }

        /** The kind's status is written by {@code who} (a controller), not by apply: see {@link Kind#statusWrittenBy}. */
        public Builder<T> statusWrittenBy(String who) {
            this.statusWrittenBy = who;
            return this;
        }

        public Kind<T> build() {
            return new Kind<>(this);
        }
    }
}
