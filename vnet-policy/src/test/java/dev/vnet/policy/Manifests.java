package dev.vnet.policy;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** Policies in tests are written as the YAML a learner would apply; "---" separates documents. */
final class Manifests {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private Manifests() {
    }

    static List<NetworkPolicy> policies(String yaml) {
        List<NetworkPolicy> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (!doc.isBlank()) {
                NetworkPolicy p = YAML.readValue(doc, NetworkPolicy.class);
                if (!"NetworkPolicy".equals(p.getKind())) {
                    throw new IllegalArgumentException("not a NetworkPolicy: " + doc);
                }
                out.add(p);
            }
        }
        return out;
    }

    static NetworkPolicy policy(String yaml) {
        List<NetworkPolicy> all = policies(yaml);
        if (all.size() != 1) {
            throw new IllegalArgumentException("expected one policy, got " + all.size());
        }
        return all.get(0);
    }

    static PolicySet compile(String yaml) {
        return PolicySet.compile(policies(yaml));
    }
}
