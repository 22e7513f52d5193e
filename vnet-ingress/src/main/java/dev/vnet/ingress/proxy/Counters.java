package dev.vnet.ingress.proxy;

import java.util.concurrent.atomic.LongAdder;

/** The proxy's counters, bumped from every event loop; {@link #snapshot()} reads them for {@code stats()}. */
final class Counters {
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] byClass = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder()};
    final LongAdder upstreamRetries = new LongAdder();
    final LongAdder upstreamConnectsOpened = new LongAdder();
    final LongAdder upstreamConnectsReused = new LongAdder();
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();

    /** One finished request: its status to the client, its length in and its response body's length out. */
    void request(int status, long lengthIn, long bodyOut) {
        requests.increment();
        int cls = status / 100;
        if (cls >= 1 && cls <= 5) {
            byClass[cls - 1].increment();
        }
        bytesReceived.add(lengthIn);
        bytesSent.add(bodyOut);
    }

    ProxyStats snapshot() {
        return new ProxyStats(requests.sum(), byClass[0].sum(), byClass[1].sum(), byClass[2].sum(), byClass[3].sum(),
                byClass[4].sum(), upstreamRetries.sum(), upstreamConnectsOpened.sum(), upstreamConnectsReused.sum(),
                bytesReceived.sum(), bytesSent.sum());
    }
}
