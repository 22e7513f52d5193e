package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
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
        ObjectMapper m = new ObjectMapper();
        var obj = m.createObjectNode();
        obj.putObject("metadata").put("creationTimestamp", Instant.now().minusSeconds(30).toString());
        assertEquals("30s", GetCommand.age(obj));
        obj.putObject("metadata").put("creationTimestamp", Instant.now().minusSeconds(600).toString());
        assertEquals("10m", GetCommand.age(obj));
        obj.putObject("metadata").put("creationTimestamp", Instant.now().minusSeconds(3 * 86400).toString());
        assertEquals("3d", GetCommand.age(obj));
        assertEquals("<unknown>", GetCommand.age(m.createObjectNode()));
    }
}
