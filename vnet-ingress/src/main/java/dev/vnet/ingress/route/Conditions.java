package dev.vnet.ingress.route;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;

/** Status conditions as the Gateway API writes them; lastTransitionTime is left to {@link StatusTimes}. */
final class Conditions {
    private Conditions() {}

    static Condition of(String type, boolean status, String reason, String message, Long generation) {
        return new ConditionBuilder().withType(type).withStatus(status ? "True" : "False").withReason(reason)
                .withMessage(message).withObservedGeneration(generation).build();
    }

    static Long generation(HasMetadata o) {
        return o.getMetadata().getGeneration();
    }
}
