package dev.vnet.node.streams;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import tools.jackson.databind.node.ObjectNode;

/**
 * The server side of Kubernetes' WebSocket channel protocol ({@code v5.channel.k8s.io}, and v4 which lacks only
 * the close signal), joined to one running command: exec's process, or attach's followed log.
 *
 * <pre>
 *   every message:  [channel:1][data...]   binary, or text from the Python client (continuations belong to the
 *                                           channel they continue)
 *   0 stdin   client → server     1 stdout, 2 stderr   server → client
 *   3 error   server → client: one metav1.Status, then a normal close (1000) ends every stream
 *   4 resize  client → server: {"Width":W,"Height":H}, read and ignored (see {@link Exec})
 *   255 close client → server (v5): [255][channel] — the client has sent all of that channel (stdin's EOF)
 * </pre>
 *
 * <p>Threads: stdout and stderr are copied to the channel each on a thread of its own, waiting for each write to
 * go out (so a slow client slows the command, as a pipe does); stdin is written to the command by a third, from a
 * queue the event loop fills, and reading from the socket pauses while more than {@link #STDIN_HIGH} bytes wait.
 * A fourth waits for the outcome and sends the Status once both outputs have ended.
 */
final class ChannelSession extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger LOG = Logger.getLogger(ChannelSession.class.getName());
    static final String V5 = "v5.channel.k8s.io";
    static final String V4 = "v4.channel.k8s.io";

    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int RESIZE = 4;
    static final int CLOSE = 255;

    private static final int STDIN_HIGH = 1 << 20;
    private static final int STDIN_LOW = 256 * 1024;
    private static final int CHUNK = 32 * 1024;
    private static final byte[] END = new byte[0];

    /** A command joined to the session: its streams, then its outcome as a Status. */
    interface Running {
        /** Its standard output (and, with a terminal, its errors too). */
        InputStream stdout();

        /** Its standard error, or null when it has none of its own. */
        InputStream stderr();

        /** Where stdin goes, or null when the client sends none. */
        OutputStream stdin();

        /** Waits for the command to end; its Status for the error channel. */
        ObjectNode awaitStatus() throws InterruptedException;

        /** Ends the command early: the client has gone. */
        void stop();
    }

    /** Starts the command once the WebSocket is up; a refusal is sent on the error channel. */
    @FunctionalInterface
    interface Starter {
        Running start() throws StreamStatus.Refusal;
    }

    private final Starter starter;
    private final boolean v5;
    private final boolean wantStdout;
    private final boolean wantStderr;
    private final String name;
    private final LinkedBlockingQueue<byte[]> stdinQueue = new LinkedBlockingQueue<>();
    private final AtomicLong stdinQueued = new AtomicLong();
    private volatile Running running;
    private volatile Channel channel;
    private int continuing = -1;
    private boolean stdinClosed;

    ChannelSession(Starter starter, String subprotocol, boolean stdout, boolean stderr, String name) {
        this.starter = starter;
        this.v5 = V5.equals(subprotocol);
        this.wantStdout = stdout;
        this.wantStderr = stderr;
        this.name = name;
    }

    /** Called once the handshake has gone out: starts the command and its copying threads. */
    void start(Channel ch) {
        this.channel = ch;
        ch.closeFuture().addListener(f -> {
            Running r = running;
            if (r != null) {
                r.stop();
            }
            stdinQueue.offer(END);
        });
        daemon("exec " + name, this::run);
    }

    private void run() {
        Running r;
        try {
            r = starter.start();
        } catch (StreamStatus.Refusal refusal) {
            finish(refusal.status());
            return;
        }
        running = r;
        if (!channel.isActive()) {
            r.stop();
            return;
        }
        Thread out = daemon("exec-stdout " + name, () -> copy(r.stdout(), wantStdout ? STDOUT : -1));
        Thread err = r.stderr() == null ? null
                : daemon("exec-stderr " + name, () -> copy(r.stderr(), wantStderr ? STDERR : -1));
        if (r.stdin() != null) {
            daemon("exec-stdin " + name, () -> feed(r.stdin()));
        }
        try {
            ObjectNode status = r.awaitStatus();
            out.join();
            if (err != null) {
                err.join();
            }
            finish(status);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            r.stop();
            channel.close();
        }
    }

    /** Sends the outcome on the error channel, then closes the WebSocket normally. */
    private void finish(ObjectNode status) {
        byte[] json = StreamStatus.bytes(status);
        ByteBuf buf = Unpooled.buffer(1 + json.length).writeByte(ERROR).writeBytes(json);
        channel.write(new BinaryWebSocketFrame(buf));
        channel.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** Copies a command's output to {@code channelId}, or drains it when the client did not ask for it (-1). */
    private void copy(InputStream in, int channelId) {
        byte[] buf = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (channelId < 0 || n == 0) {
                    continue;
                }
                ByteBuf frame = Unpooled.buffer(1 + n).writeByte(channelId).writeBytes(buf, 0, n);
                if (!channel.writeAndFlush(new BinaryWebSocketFrame(frame)).awaitUninterruptibly().isSuccess()) {
                    running.stop();
                    return;
                }
            }
        } catch (IOException e) {
            // The command's end of the pipe closed (it was stopped): nothing more to copy.
        }
    }

    /** Writes what the client sends on stdin to the command, until the close signal or the session's end. */
    private void feed(OutputStream stdin) {
        try (stdin) {
            while (true) {
                byte[] b = stdinQueue.take();
                if (b == END) {
                    return;
                }
                stdin.write(b);
                stdin.flush();
                if (stdinQueued.addAndGet(-b.length) < STDIN_LOW && !channel.config().isAutoRead()) {
                    channel.config().setAutoRead(true);
                }
            }
        } catch (IOException e) {
            // The command stopped reading (it exited): what is left of stdin has nowhere to go.
            channel.config().setAutoRead(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            Running r = running;
            if (r != null) {
                r.stop();
            }
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
            // The Python client sends what it is given as a str in text messages: the same bytes, as the API
            // server reads them (the channel number is the first character).
            ByteBuf data = frame.content();
            if (!data.isReadable()) {
                return;
            }
            int id = data.readUnsignedByte();
            continuing = frame.isFinalFragment() ? -1 : id;
            deliver(ctx, id, data);
        } else if (frame instanceof ContinuationWebSocketFrame) {
            int id = continuing;
            if (frame.isFinalFragment()) {
                continuing = -1;
            }
            deliver(ctx, id, frame.content());
        }
        // Pong: nothing to do.
    }

    private void deliver(ChannelHandlerContext ctx, int id, ByteBuf data) {
        if (id == STDIN && !stdinClosed && data.isReadable()) {
            byte[] b = new byte[data.readableBytes()];
            data.readBytes(b);
            stdinQueue.offer(b);
            if (stdinQueued.addAndGet(b.length) > STDIN_HIGH) {
                ctx.channel().config().setAutoRead(false);
            }
        } else if (id == CLOSE && v5 && data.isReadable() && data.getUnsignedByte(data.readerIndex()) == STDIN) {
            stdinClosed = true;
            stdinQueue.offer(END);
        }
        // RESIZE and anything else: nothing to do.
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.fine(() -> "exec " + name + ": " + cause);
        ctx.close();
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
