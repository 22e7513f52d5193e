package dev.vnet.node.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.client.ApiClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The ingress controller's watches: a change wakes its loop at once; until every watch is open it polls. */
class WatchersTest {
    /** An API whose watches stay open and deliver what the test puts in their queue; "Secret" refuses at first. */
    static final class FakeApi extends ApiClient {
        final Map<String, LinkedBlockingQueue<JsonNode>> streams = new ConcurrentHashMap<>();
        volatile boolean secretsRefused = true;

        @Override
        public void watch(Kind<?> kind, Runnable opened, Consumer<JsonNode> event) throws ApiException {
            if (kind.kind().equals("Secret") && secretsRefused) {
                throw new ApiException("secrets is forbidden");
            }
            LinkedBlockingQueue<JsonNode> q = streams.computeIfAbsent(kind.kind(), k -> new LinkedBlockingQueue<>());
            opened.run();
            try {
                while (true) {
                    JsonNode e = q.take();
                    if (e.path("type").asString().equals("END")) {
                        return; // the server's timeout: the stream ends
                    }
                    event.accept(e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static JsonNode event(String type) {
        return Json.object().put("type", type);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        for (int i = 0; i < 200 && !c.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
        assertTrue(c.getAsBoolean(), what);
    }

    @Test
    void aChangeToAnyKindWakesTheLoopAndARefusedWatchMeansPollingUntilItOpens() throws Exception {
        FakeApi api = new FakeApi();
        List<String> kinds = List.of("Service", "Ingress", "Secret");
        IngressControllerMain.Watchers w = IngressControllerMain.Watchers.start(api, kinds);
        awaitTrue(() -> api.streams.containsKey("Service") && api.streams.containsKey("Ingress"), "two watches open");
        assertFalse(w.allUp(), "the Secret watch is refused: the loop keeps polling");
        w.awaitChange(Duration.ofMillis(1)); // what the refusal released

        api.secretsRefused = false; // the watcher tries again (after a second) and gets it
        awaitTrue(w::allUp, "every watch open");
        w.awaitChange(Duration.ofMillis(1));
        assertFalse(w.awaitChange(Duration.ofMillis(200)), "no change, no wake-up");

        api.streams.get("Ingress").add(event("ADDED"));
        assertTrue(w.awaitChange(Duration.ofSeconds(5)), "an Ingress added wakes the loop");
        api.streams.get("Service").add(event("MODIFIED"));
        api.streams.get("Service").add(event("MODIFIED"));
        assertTrue(w.awaitChange(Duration.ofSeconds(5)));
        Thread.sleep(100);
        w.awaitChange(Duration.ofMillis(1)); // the second, if it came after the first wake
        assertFalse(w.awaitChange(Duration.ofMillis(200)), "each wake takes every change that waited");

        api.streams.get("Service").add(event("END"));
        assertTrue(w.awaitChange(Duration.ofSeconds(5)), "a watch that ended makes the loop read");
        awaitTrue(w::allUp, "and it is watched again");
    }
}
