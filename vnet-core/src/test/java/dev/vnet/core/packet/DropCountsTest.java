package dev.vnet.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DropCountsTest {
    @Test
    void countsEachReasonApartAndListsOnlyThoseSeen() {
        DropCounts d = new DropCounts();
        assertSame(DropReason.TRUNCATED, d.count(DropReason.TRUNCATED));
        d.count(DropReason.TRUNCATED);
        d.count(DropReason.NO_ROUTE);

        assertEquals(2, d.get(DropReason.TRUNCATED));
        assertEquals(0, d.get(DropReason.LOOP));
        assertEquals(3, d.total());
        assertEquals(Map.of(DropReason.TRUNCATED, 2L, DropReason.NO_ROUTE, 1L), d.byReason());
    }
}
