package dev.vnet.apiserver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClusterStoreTest {

    @Test
    void keyIsNamespaceSlashName() {
        assertEquals("default/web", ClusterStore.key("default", "web"));
    }

    @Test
    void keyOfAClusterScopedResourceHasAnEmptyNamespace() {
        assertEquals("/node-1", ClusterStore.key(null, "node-1"));
    }
}
