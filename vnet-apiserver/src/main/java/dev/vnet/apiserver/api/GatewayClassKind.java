package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassSpec;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParametersReference;
import java.util.List;

/**
 * gateway.networking.k8s.io/v1 GatewayClasses (cluster-scoped): a kind of Gateway and the controller that
 * serves it ({@code spec.controllerName}). That controller accepts the class by writing its Accepted condition
 * (an apply keeps the status). Columns are the CRD's additionalPrinterColumns.
 */
public final class GatewayClassKind {
    public static final String ACCEPTED = "Accepted";

    public static final Kind<GatewayClass> KIND = Kind.of(GatewayClass.class).shortNames("gc")
            .validation(GatewayClassKind::validate)
            .actsOn("spec.controllerName", "spec.description", "status")
            .statusWrittenBy("the Gateway controller")
            .column(Column.of("NAME", c -> c.getMetadata().getName()))
            .column(Column.of("CONTROLLER", GatewayClassKind::controllerName))
            .column(Column.of("ACCEPTED", c -> GatewayApi.status(conditions(c), ACCEPTED)))
            .column(Column.of("AGE", (c, ctx) -> Ages.of(c, ctx.now()), false))
            .column(Column.wide("DESCRIPTION", c -> GatewayApi.orEmpty(spec(c).getDescription())))
            .describer(GatewayClassKind::describe)
            .build();

    private GatewayClassKind() {
    }

    private static GatewayClassSpec spec(GatewayClass c) {
        return c.getSpec() == null ? new GatewayClassSpec() : c.getSpec();
    }

    public static String controllerName(GatewayClass c) {
        return GatewayApi.orEmpty(spec(c).getControllerName());
    }

    /** The conditions the controller wrote (never null). */
    public static List<Condition> conditions(GatewayClass c) {
        return c.getStatus() == null ? List.of() : c.getStatus().getConditions();
    }

    static void validate(GatewayClass c) throws InvalidManifestException {
        Names.validateMetadata(c);
        String what = Names.what(c);
        String controller = spec(c).getControllerName();
        if (controller == null || controller.isEmpty()) {
            Names.check(what, "spec.controllerName", "Required value: the controller's name, e.g. "
                    + "vnet.dev/gateway-controller");
        }
        if (controller.length() > 253 || !GatewayApi.CONTROLLER.matcher(controller).matches()) {
            Names.check(what, "spec.controllerName", "Invalid value: \"" + Manifests.clean(controller)
                    + "\": must be a domain-prefixed path (such as \"example.com/gateway-controller\")");
        }
        String description = spec(c).getDescription();
        if (description != null && description.length() > 64) {
            Names.check(what, "spec.description", "Too long: may not be more than 64 characters");
        }
        ParametersReference p = spec(c).getParametersRef();
        if (p != null) {
            if (p.getKind() == null || p.getKind().isEmpty()) {
                Names.check(what, "spec.parametersRef.kind", "Required value");
            }
            if (p.getName() == null || p.getName().isEmpty()) {
                Names.check(what, "spec.parametersRef.name", "Required value");
            }
        }
    }

    private static Description describe(GatewayClass c, DescribeContext ctx) {
        Description d = Description.head(c).field("Controller Name:", controllerName(c));
        if (spec(c).getDescription() != null) {
            d.field("Description:", spec(c).getDescription());
        }
        ParametersReference p = spec(c).getParametersRef();
        if (p != null) {
            d.field("Parameters Ref:", (p.getGroup() == null || p.getGroup().isEmpty() ? "" : p.getGroup() + "/")
                    + p.getKind() + " " + (p.getNamespace() == null ? "" : p.getNamespace() + "/") + p.getName());
        }
        d.line("Status:");
        d.line("  Conditions:");
        GatewayApi.conditions(d, "    ", conditions(c));
        return d.field("Events:", "<none>");
    }
}
