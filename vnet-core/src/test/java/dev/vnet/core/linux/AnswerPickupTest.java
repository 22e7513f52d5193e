package dev.vnet.core.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AnswerPickupTest {
    /** Which readers were asked for their answers, in order. */
    private final List<String> asked = new ArrayList<>();

    /** A port whose pod answers by having the caller write into {@code then} (or nowhere). */
    private final class Port implements AnswerPickup.Reader {
        final String name;
        Port then;

        Port(String name) {
            this.name = name;
        }

        @Override
        public void readAnswers() {
            asked.add(name);
            if (then != null) {
                AnswerPickup.wrote(then);
            }
        }
    }

    @AfterEach
    void nothingLeftForTheNextTest() {
        AnswerPickup.collect();
    }

    @Test
    void eachPortWrittenIntoIsAskedOnceAfterTheBurstInTheOrderWritten() {
        Port a = new Port("a");
        Port b = new Port("b");
        AnswerPickup.wrote(b);
        AnswerPickup.wrote(a);
        AnswerPickup.wrote(b);
        assertEquals(List.of(), asked, "nothing is read while the burst goes on");
        AnswerPickup.collect();
        assertEquals(List.of("b", "a"), asked);
        AnswerPickup.collect();
        assertEquals(List.of("b", "a"), asked, "marks are gone once collected");
    }

    @Test
    void anAnswerForwardedIntoAnotherPortIsCollectedInTheNextRound() {
        Port a = new Port("a");
        Port b = new Port("b");
        b.then = a; // the answer from b goes to a, whose pod answers nothing more
        AnswerPickup.wrote(b);
        AnswerPickup.collect();
        assertEquals(List.of("b", "a"), asked);
    }

    @Test
    void twoPodsThatKeepAnsweringEachOtherStopAfterAFewRounds() {
        Port a = new Port("a");
        Port b = new Port("b");
        a.then = b;
        b.then = a;
        AnswerPickup.wrote(a);
        AnswerPickup.collect();
        assertEquals(List.of("a", "b", "a", "b"), asked, "their own readers carry on from there");
        asked.clear();
        AnswerPickup.collect();
        assertEquals(List.of(), asked, "the last round's marks were dropped, not left for later");
    }

    @Test
    void aBurstIntoManyPortsAsksAsManyAsItHasRoomFor() {
        for (int i = 0; i < 20; i++) {
            AnswerPickup.wrote(new Port("p" + i));
        }
        AnswerPickup.collect();
        assertEquals(8, asked.size());
        assertEquals("p0", asked.get(0));
        assertEquals("p7", asked.get(7));
    }

    @Test
    void marksBelongToTheThreadThatWrote() throws InterruptedException {
        Port a = new Port("a");
        Thread other = new Thread(() -> AnswerPickup.wrote(a));
        other.start();
        other.join();
        AnswerPickup.collect();
        assertEquals(List.of(), asked, "another thread's write is that thread's to collect");
    }
}
