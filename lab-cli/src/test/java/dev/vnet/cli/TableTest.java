package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void columnsArePaddedToTheWidestCellThreeSpacesApart() {
        StringWriter sw = new StringWriter();
        new Table("NAME", "IP").row("pod-a", "10.244.1.2").row("b", "10.244.1.3").print(new PrintWriter(sw));
        assertEquals("""
                NAME    IP
                pod-a   10.244.1.2
                b       10.244.1.3
                """, sw.toString());
    }

    @Test
    void ageIsPrintedAsKubectlDoes() {
        Instant now = Instant.now();
        var pod = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().endMetadata().build();
        pod.getMetadata().setCreationTimestamp(now.minusSeconds(30).toString());
        assertEquals("30s", dev.vnet.apiserver.api.Ages.of(pod, now));
        pod.getMetadata().setCreationTimestamp(now.minusSeconds(600).toString());
        assertEquals("10m", dev.vnet.apiserver.api.Ages.of(pod, now));
        pod.getMetadata().setCreationTimestamp(now.minusSeconds(3 * 86400).toString());
        assertEquals("3d", dev.vnet.apiserver.api.Ages.of(pod, now));
        pod.getMetadata().setCreationTimestamp(null);
        assertEquals("<unknown>", dev.vnet.apiserver.api.Ages.of(pod, now));
    }
}
