package dev.vnet.apiserver.admission;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.ServiceKind;
import dev.vnet.apiserver.store.ClusterStore;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.List;

/** A Service gets its ClusterIP, NodePorts and LoadBalancer IP, against every other Service's. */
final class ServiceAdmission implements Admission<Service> {
    @Override
    public Service admit(Service want, Service existing, AdmissionContext ctx) throws ApiException {
        String key = ServiceKind.key(want);
        List<Service> others = new ArrayList<>();
        for (Service s : ctx.store().list(ServiceKind.KIND)) {
            if (!ServiceKind.key(s).equals(key)) {
                others.add(s);
            }
        }
        for (Service s : ctx.planned(ServiceKind.KIND)) {
            if (!ServiceKind.key(s).equals(key)) {
                others.add(s);
            }
        }
        return Admission.generic(ctx.allocator().allocate(want, existing, others), existing);
    }

    static String key(Service s) {
        return ClusterStore.key(s);
    }
}
