package dev.vnet.apiserver.store;

/** The contract on the memory store: every client of one test is the same store. */
class MemoryStoreContractTest extends ClusterStoreContract {
    private MemoryStore shared;

    @Override
    protected ClusterStore connect() {
        return shared;
    }

    @Override
    protected void emptyStore() {
        shared = new MemoryStore();
    }
}
