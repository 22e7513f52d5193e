package dev.vnet.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pod's network namespace name, and how a pod is named on a command line. */
class PodKindTest {
    @Test
    void aPodOfDefaultKeepsItsNameAndOthersAddTheirNamespace() {
        assertEquals("web", PodKind.netnsName("default", "web"));
        assertEquals("web", PodKind.netnsName(null, "web"));
        assertEquals("web.prod", PodKind.netnsName("prod", "web"));
    }

    @Test
    void noTwoPodsGetOneNetworkNamespace() {
        // Names that would collide under a naive join ("a-b" + "c" and "a" + "b-c"), in default and elsewhere.
        List<String> names = List.of("a", "b", "a-b", "b-c", "c", "default", "prod", "a-b-c");
        Map<String, String> seen = new HashMap<>();
        for (String ns : names) {
            for (String pod : names) {
                String netns = PodKind.netnsName(ns, pod);
                String before = seen.put(netns, ns + "/" + pod);
                assertEquals(null, before, netns + " is given to " + before + " and to " + ns + "/" + pod);
            }
        }
        // What makes it so: a pod or namespace name cannot hold the '.' that joins them.
        assertThrows(InvalidManifestException.class, () -> PodKind.KIND.validate(new PodBuilder().withNewMetadata()
                .withName("a.b").endMetadata().withNewSpec().addNewContainer().withName("c").withImage("whoami")
                .endContainer().endSpec().build()));
        assertThrows(InvalidManifestException.class, () -> NamespaceKind.KIND.validate(
                NamespaceKind.active("a.b")));
    }

    @Test
    void theLongestNameFitsWhatIpNetnsTakes() {
        String label = "a".repeat(63);
        String netns = PodKind.netnsName(label, label);
        assertEquals(127, netns.length());
        assertTrue(netns.length() <= PodKind.MAX_NETNS_NAME, netns);
        assertThrows(InvalidManifestException.class, () -> NamespaceKind.KIND.validate(NamespaceKind.active(label + "a")),
                "a 64-character namespace name is refused, so nothing longer is ever asked for");
    }

    @Test
    void theNetnsIsTheAnnotationAdmissionRecorded() {
        Pod recorded = new PodBuilder().withNewMetadata().withName("web").withNamespace("prod")
                .addToAnnotations(PodKind.NETNS_ANNOTATION, "web.prod").endMetadata().build();
        assertEquals("web.prod", PodKind.netns(recorded));
        Pod older = new PodBuilder().withNewMetadata().withName("web").withNamespace("prod").endMetadata().build();
        assertEquals("web", PodKind.netns(older), "a pod stored before admission recorded it was named after itself");
    }

    @Test
    void podsOnACommandLine() {
        assertEquals("default/web", PodKind.refKey("web", null));
        assertEquals("default/web", PodKind.refKey("web", ""));
        assertEquals("prod/web", PodKind.refKey("web", "prod"));
        assertEquals("prod/web", PodKind.refKey("prod/web", "default"));
    }

    @Test
    void getPodsWideEndsWithTheNetns() {
        List<Column<Pod>> cols = PodKind.KIND.columns();
        Column<Pod> last = cols.get(cols.size() - 1);
        assertEquals("NETNS", last.header());
        assertTrue(last.wide());
        Pod p = new PodBuilder().withNewMetadata().withName("web").withNamespace("prod")
                .addToAnnotations(PodKind.NETNS_ANNOTATION, "web.prod").endMetadata().build();
        assertEquals("web.prod", last.cell().apply(p, null));
    }
}
