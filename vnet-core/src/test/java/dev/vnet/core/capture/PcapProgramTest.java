package dev.vnet.core.capture;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PcapProgramTest {

    /** Whole programs are copied out of libpcap's memory: as many instructions as {@code tcpdump -d} lists. */
    @Test
    void keepsEveryInstructionTcpdumpShows() throws Exception {
        ExternalTools.assumeInstalled("tcpdump");
        List<Executable> checks = new ArrayList<>();
        for (String expression : List.of("tcp", "ip", "udp dst port 4789", "host 10.244.1.2 and (icmp or arp)",
                "tcp or udp and port 53", "not ether host 0a:58:0a:f4:01:02")) {
            for (String[] link : new String[][] {{"EN10MB", "" + LibPcap.DLT_EN10MB}, {"RAW", "" + LibPcap.DLT_RAW}}) {
                if (link[0].equals("RAW") && expression.contains("ether")) {
                    continue;
                }
                long listed = ExternalTools.run("tcpdump", "-d", "-y", link[0], expression).lines().count();
                checks.add(() -> assertEquals(listed,
                        PcapProgram.compile(expression, Integer.parseInt(link[1])).length(), expression + " " + link[0]));
            }
        }
        assertAll(checks);
    }

    @Test
    void refusalsCarryLibpcapsMessageWithoutItsParsePrefix() {
        assertEquals("syntax error", assertThrows(IllegalArgumentException.class,
                () -> PcapProgram.compile("tcp prot 80", LibPcap.DLT_EN10MB)).getMessage());
        assertEquals(PcapProgram.REJECTS_ALL, assertThrows(IllegalArgumentException.class,
                () -> PcapProgram.compile("arp", LibPcap.DLT_RAW)).getMessage());
        assertEquals("ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel",
                assertThrows(IllegalArgumentException.class,
                        () -> PcapProgram.compile("ether host 0a:58:0a:f4:01:02", LibPcap.DLT_RAW)).getMessage());
    }
}
