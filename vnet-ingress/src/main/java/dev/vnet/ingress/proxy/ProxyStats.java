package dev.vnet.ingress.proxy;

/**
 * A snapshot of the proxy's counters since it started: requests by the class of the status sent to the client
 * (499 = the client went away first, as nginx counts it), upstream connections opened and reused from the pool,
 * retries on another endpoint after a failed connect, and bytes (request length in, response body out).
 */
public record ProxyStats(long requests, long status1xx, long status2xx, long status3xx, long status4xx, long status5xx,
        long upstreamRetries, long upstreamConnectsOpened, long upstreamConnectsReused, long bytesReceived,
        long bytesSent) {}
