package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Names;
import dev.vnet.apiserver.api.SecretKind;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Objects;

/**
 * A Secret is stored as the API server stores it: stringData merged into data and dropped, the type filled in.
 * Its type cannot change, nor, once {@code immutable: true}, its data.
 */
final class SecretAdmission implements Admission<Secret> {
    @Override
    public Secret admit(Secret want, Secret existing, AdmissionContext ctx) throws ApiException {
        Secret stored = SecretKind.normalized(want);
        if (existing != null) {
            String what = Names.what(want);
            if (!SecretKind.type(existing).equals(SecretKind.type(stored))) {
                throw new ApiException(what + ": type: Invalid value: \"" + SecretKind.type(stored)
                        + "\": field is immutable (it is " + SecretKind.type(existing) + "): delete the Secret to change it");
            }
            if (Boolean.TRUE.equals(existing.getImmutable())
                    && (!Objects.equals(existing.getData(), stored.getData())
                    || !Boolean.TRUE.equals(stored.getImmutable()))) {
                throw new ApiException(what + ": data: Forbidden: field is immutable when `immutable` is set: "
                        + "delete the Secret to change it");
            }
        }
        return Admission.generic(stored, existing);
    }
}
