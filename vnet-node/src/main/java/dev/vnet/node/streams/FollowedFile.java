package dev.vnet.node.streams;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;

/**
 * A container's log file read as it grows ({@code tail -f}): a read waits for more while the container runs and
 * ends (returns -1) once it has stopped and everything it wrote has been read, or once {@link #close()} is called.
 * A file that does not exist yet reads as empty; one that shrank (rewritten) is read again from its start.
 * Growth is polled: a container's log is written by another process, so there is nothing to be woken by.
 */
final class FollowedFile extends InputStream {
    private final Path file;
    private final BooleanSupplier live;
    private final long pollMillis;
    private long position;
    private FileChannel channel;
    private volatile boolean closed;

    FollowedFile(Path file, long start, BooleanSupplier live, long pollMillis) {
        this.file = file;
        this.position = start;
        this.live = live;
        this.pollMillis = pollMillis;
    }

    /** The file's size now, or 0 when it does not exist yet: where "from now on" starts. */
    static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!closed) {
            // Read liveness first: a container that stopped after this has written all it ever will.
            boolean running = live.getAsBoolean();
            int n = readSome(b, off, len);
            if (n > 0) {
                return n;
            }
            if (!running) {
                return -1;
            }
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("stopped following " + file);
            }
        }
        return -1;
    }

    private int readSome(byte[] b, int off, int len) throws IOException {
        if (channel == null) {
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return 0;
            }
        }
        if (channel.size() < position) {
            position = 0;
        }
        int n = channel.read(ByteBuffer.wrap(b, off, len), position);
        if (n > 0) {
            position += n;
        }
        return Math.max(n, 0);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (channel != null) {
            channel.close();
        }
    }
}
