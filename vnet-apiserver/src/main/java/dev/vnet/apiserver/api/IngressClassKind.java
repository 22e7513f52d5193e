package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassParametersReference;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClassSpec;

/**
 * networking.k8s.io/v1 IngressClasses (cluster-scoped): which controller serves the Ingresses that name the class
 * in {@code spec.ingressClassName}. The annotation {@link #DEFAULT_ANNOTATION} makes a class the one Ingresses
 * without a class get.
 */
public final class IngressClassKind {
    public static final String DEFAULT_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
    /** The form of a controller name: a domain, then a path (example.com/ingress-controller). */
    private static final java.util.regex.Pattern CONTROLLER =
            java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[\\S]+");

    public static final Kind<IngressClass> KIND = Kind.of(IngressClass.class)
            .validation(IngressClassKind::validate)
            .actsOn("spec.controller", "spec.parameters")
            .column(Column.of("NAME", c -> c.getMetadata().getName()))
            .column(Column.of("CONTROLLER", c -> spec(c).getController()))
            .column(Column.of("PARAMETERS", IngressClassKind::parameters))
            .column(Column.of("AGE", (c, ctx) -> Ages.of(c, ctx.now()), false))
            .describer(IngressClassKind::describe)
            .build();

    private IngressClassKind() {
    }

    private static IngressClassSpec spec(IngressClass c) {
        return c.getSpec() == null ? new IngressClassSpec() : c.getSpec();
    }

    public static String controller(IngressClass c) {
        return spec(c).getController();
    }

    /** Whether the class is marked as the cluster's default. */
    public static boolean isDefault(IngressClass c) {
        return c.getMetadata().getAnnotations() != null
                && "true".equals(c.getMetadata().getAnnotations().get(DEFAULT_ANNOTATION));
    }

    /** KIND[.APIGROUP]/NAME, or {@code <none>}, as kubectl's PARAMETERS. */
    static String parameters(IngressClass c) {
        IngressClassParametersReference p = spec(c).getParameters();
        if (p == null) {
            return "<none>";
        }
        return p.getKind() + (p.getApiGroup() != null ? "." + p.getApiGroup() : "") + "/" + p.getName();
    }

    static void validate(IngressClass c) throws InvalidManifestException {
        Names.validateMetadata(c);
        String what = Names.what(c);
        String controller = spec(c).getController();
        if (controller == null || controller.isEmpty()) {
            Names.check(what, "spec.controller", "Required value: the controller's name, e.g. vnet.dev/ingress-controller");
        }
        if (controller.length() > 250 || !CONTROLLER.matcher(controller).matches()) {
            Names.check(what, "spec.controller", "Invalid value: \"" + Manifests.clean(controller)
                    + "\": must be a domain-prefixed path (such as \"acme.io/foo\")");
        }
        IngressClassParametersReference p = spec(c).getParameters();
        if (p != null) {
            if (p.getKind() == null || p.getKind().isEmpty()) {
                Names.check(what, "spec.parameters.kind", "Required value");
            }
            if (p.getName() == null || p.getName().isEmpty()) {
                Names.check(what, "spec.parameters.name", "Required value");
            }
            String scope = p.getScope() == null ? "Cluster" : p.getScope();
            if (!scope.equals("Cluster") && !scope.equals("Namespace")) {
                Names.check(what, "spec.parameters.scope", "Unsupported value: \"" + Manifests.clean(scope)
                        + "\": supported values: \"Cluster\", \"Namespace\"");
            }
            if (scope.equals("Namespace") && (p.getNamespace() == null || p.getNamespace().isEmpty())) {
                Names.check(what, "spec.parameters.namespace", "Required value: `parameters.scope` is Namespace");
            }
            if (scope.equals("Cluster") && p.getNamespace() != null) {
                Names.check(what, "spec.parameters.namespace", "Forbidden: `parameters.scope` is Cluster");
            }
        }
    }

    private static Description describe(IngressClass c, DescribeContext ctx) {
        Description d = Description.head(c).field("Controller:", controller(c));
        IngressClassParametersReference p = spec(c).getParameters();
        if (p != null) {
            d.line("Parameters:");
            if (p.getApiGroup() != null) {
                d.field("  APIGroup:", p.getApiGroup());
            }
            d.field("  Kind:", p.getKind()).field("  Name:", p.getName());
        }
        return d.field("Events:", "<none>");
    }
}
