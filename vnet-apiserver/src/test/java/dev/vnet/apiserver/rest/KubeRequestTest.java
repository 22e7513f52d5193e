package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Query parameters as the API server reads them, whatever the client's spelling. */
class KubeRequestTest {
    private static boolean watch(String query) {
        return KubeRequest.of("GET", "/api/v1/pods" + query, null, null, new byte[0]).flag("watch");
    }

    @Test
    void aFlagIsTrueWhenPresentAndNotFalseOrZero() {
        assertEquals(true, watch("?watch=true"));
        assertEquals(true, watch("?watch=True"), "the Python client's spelling");
        assertEquals(true, watch("?watch=1"));
        assertEquals(true, watch("?watch"), "a bare flag");
        assertEquals(false, watch(""));
        assertEquals(false, watch("?watch=false"));
        assertEquals(false, watch("?watch=False"));
        assertEquals(false, watch("?watch=0"));
    }
}
