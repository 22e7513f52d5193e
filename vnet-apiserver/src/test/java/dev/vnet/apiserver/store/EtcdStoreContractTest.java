package dev.vnet.apiserver.store;

import org.junit.jupiter.api.Tag;

/** The contract on etcd: each client is a connection of its own to the test's etcd. */
@Tag("etcd")
class EtcdStoreContractTest extends ClusterStoreContract {

    @Override
    protected ClusterStore connect() {
        return EtcdStore.connect(EtcdTestSupport.endpoint(), KINDS, EtcdStore.DEFAULT_CALL_TIMEOUT);
    }

    @Override
    protected void emptyStore() {
        EtcdTestSupport.wipe();
    }
}
