package dev.vnet.core.linux;

/**
 * The devices a data-path thread wrote into during its current burst of work, so that it reads their answers
 * itself before it sleeps rather than waking the devices' own readers.
 *
 * <p>A write into a TAP runs the pod's side of the kernel on the writing thread: {@code tun_get_user} hands the
 * frame to the pod's stack before it returns, and what the stack answers at once (an echo reply, a TCP ACK, an
 * ARP reply) is already queued on the TAP when the write returns. The port's reader is asleep in {@code poll};
 * waking it (often on the other, idle CPU) costs tens of microseconds before it even starts, with caches gone
 * cold, while the writing thread is awake and warm. So after a burst the writer takes what is queued on the
 * ports it wrote to, if no one else is reading them ({@link Reader#readAnswers} tries the port's read lock and
 * reads without waiting). Only wire-sized writes count: an answer to a super-frame is the bulk of a flow, which
 * the port's own reader carries on the other CPU.
 *
 * <p>One instance per thread, fixed size: marking costs no allocation on the forwarding path.
 */
public final class AnswerPickup {
    /** A device whose queued frames another thread may read and forward (under the device's read lock). */
    public interface Reader {
        /** Reads and forwards what is queued, at most a few frames, without waiting; nothing if already being read. */
        void readAnswers();
    }

    private static final int SLOTS = 8;
    /** Rounds of pickup per burst: an answer forwarded may be answered in turn (ARP, then the echo). */
    private static final int ROUNDS = 4;
    private static final ThreadLocal<AnswerPickup> MINE = ThreadLocal.withInitial(AnswerPickup::new);

    private Reader[] marked = new Reader[SLOTS];
    private Reader[] taking = new Reader[SLOTS];
    private int count;

    private AnswerPickup() {
    }

    /** Notes that this thread just wrote a frame into {@code r}. */
    public static void wrote(Reader r) {
        MINE.get().mark(r);
    }

    /** Reads the answers of the devices this thread wrote into since the last call; a data-path thread's burst end. */
    public static void collect() {
        AnswerPickup p = MINE.get();
        for (int round = 0; round < ROUNDS && p.count > 0; round++) {
            Reader[] now = p.marked;
            int n = p.count;
            p.marked = p.taking;
            p.taking = now;
            p.count = 0;
            for (int i = 0; i < n; i++) {
                Reader r = now[i];
                now[i] = null;
                r.readAnswers();
            }
        }
        for (int i = 0; i < p.count; i++) {
            p.marked[i] = null; // still answering after the last round: their own readers take over
        }
        p.count = 0;
    }

    private void mark(Reader r) {
        for (int i = 0; i < count; i++) {
            if (marked[i] == r) {
                return;
            }
        }
        if (count < SLOTS) {
            marked[count++] = r;
        }
    }
}
