package dev.vnet.node.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl (1.30+) against {@link KubeletStreams} behind a tiny API server on 127.0.0.1: logs (tail,
 * follow), exec (output, exit codes, stdin), attach, and port-forward. Commands run here rather than in a pod's
 * network namespace and the forwarded port is a loopback server of the test's own, so no root is needed.
 */
class PodStreamsKubectlTest {
    private static final String KUBECTL = "/usr/bin/kubectl";

    @TempDir
    static Path dir;
    private static PodStreamsTestServer server;
    private static Path log;
    private static final AtomicBoolean running = new AtomicBoolean(true);
    private static ServerSocket echo;
    private static Path typistLog;
    private static Process typist;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(KUBECTL)), "kubectl is not installed at " + KUBECTL);
        log = dir.resolve("main.log");
        Files.writeString(log, "one\ntwo\nthree\n");
        PodTarget web = new PodTarget("default", "web", "unused",
                List.of(new PodTarget.Container("main", log, running::get)));
        // A container that kept its stdin (stdin: true, stdinOnce: true): cat, appending what it reads to its log.
        typistLog = dir.resolve("typist.log");
        Files.writeString(typistLog, "started\n");
        typist = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.appendTo(typistLog.toFile()))
                .redirectErrorStream(true).start();
        PodTarget typistPod = new PodTarget("default", "typist", "unused", List.of(new PodTarget.Container("main",
                typistLog, typist::isAlive, new PodTarget.Stdin(typist.getOutputStream(), true, false))));
        PodTarget.Lookup lookup = (ns, name) -> {
            if (ns.equals("default") && name.equals("web")) {
                return web;
            }
            if (ns.equals("default") && name.equals("typist")) {
                return typistPod;
            }
            throw StreamStatus.Refusal.notFound("pods \"" + name + "\" not found");
        };
        // The pod's loopback stands for the test's: every port connects to the echo server.
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(PodStreamsKubectlTest::echoLoop, "echo");
        t.setDaemon(true);
        t.start();
        SpdyPortForward.Connector connector = (netns, port) -> {
            if (port != 80) {
                throw new java.net.ConnectException("Connection refused");
            }
            return SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.getLocalPort()));
        };
        server = new PodStreamsTestServer(new KubeletStreams(lookup, Exec.here(), connector, Clock.systemUTC()),
                (ns, name) -> !ns.equals("default") || !(name.equals("web") || name.equals("typist")) ? null : """
                        {"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"default","uid":"u1"},
                         "spec":{"containers":[{"name":"main","image":"busybox","stdin":%s,"stdinOnce":%2$s}]},
                         "status":{"phase":"Running","containerStatuses":[{"name":"main","ready":true,
                           "restartCount":0,"image":"busybox","imageID":"","state":{"running":{}}}]}}
                        """.formatted(name, name.equals("typist")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (typist != null) {
            typist.destroyForcibly();
        }
    }

    /** Answers each line with "echo: LINE", then closes after the client's half-close. */
    private static void echoLoop() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                Thread t = new Thread(() -> {
                    try (s) {
                        byte[] in = s.getInputStream().readAllBytes();
                        s.getOutputStream().write(("echo: " + new String(in, StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8));
                    } catch (IOException ignored) {
                        // The test went away.
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    record Result(int exit, String out, String err) {}

    private static ProcessBuilder kubectl(String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of(KUBECTL, "--kubeconfig", server.kubeconfig(dir).toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--request-timeout", "20s"));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("HOME", dir.toString());
        pb.environment().remove("KUBECONFIG");
        return pb;
    }

    private static Result run(String stdin, String... args) throws Exception {
        Process p = kubectl(args).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        Thread errReader;
        StringBuilder err = new StringBuilder();
        errReader = new Thread(() -> {
            try {
                err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // Ended.
            }
        });
        errReader.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " ended");
        errReader.join();
        return new Result(p.exitValue(), out, err.toString());
    }

    @Test
    void logsAndTail() throws Exception {
        Result all = run(null, "logs", "web");
        assertEquals(0, all.exit(), all.err());
        assertEquals("one\ntwo\nthree\n", all.out());
        Result tail = run(null, "logs", "web", "--tail=1");
        assertEquals("three\n", tail.out(), tail.err());
        Result missing = run(null, "logs", "web", "-c", "nope");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("container nope is not valid for pod web"), missing.err());
    }

    @Test
    void execPrintsWhatTheCommandPrintsAndExitsWithItsCode() throws Exception {
        Result host = run(null, "exec", "web", "--", "hostname");
        assertEquals(0, host.exit(), host.err());
        assertEquals(java.net.InetAddress.getLocalHost().getHostName().split("\\.")[0],
                host.out().strip().split("\\.")[0]);
        Result three = run(null, "exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, three.exit(), three.err());
        assertEquals("out\n", three.out());
        assertTrue(three.err().contains("err"), three.err());
        Result none = run(null, "exec", "web", "--", "no-such-program-here");
        assertEquals(1, none.exit());
        assertTrue(none.err().contains("executable file not found"), none.err());
    }

    @Test
    void execWithStdinSeesItsEnd() throws Exception {
        String big = "x".repeat(200_000) + "\nhello\n";
        Result cat = run(big, "exec", "-i", "web", "--", "cat");
        assertEquals(0, cat.exit(), cat.err());
        assertEquals(big, cat.out());
        Result wc = run("a\nb\n", "exec", "-i", "web", "--", "wc", "-l");
        assertEquals("2", wc.out().strip(), wc.err());
    }

    @Test
    void portForwardCarriesConnectionsBothWays() throws Exception {
        Process pf = kubectl("port-forward", "pod/web", ":80").redirectErrorStream(true).start();
        try {
            var lines = new java.io.BufferedReader(new java.io.InputStreamReader(pf.getInputStream(),
                    StandardCharsets.UTF_8));
            String first = lines.readLine();
            Matcher m = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> 80").matcher(String.valueOf(first));
            assertTrue(m.find(), "kubectl said: " + first);
            int local = Integer.parseInt(m.group(1));
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), local)) {
                    String msg = "ping " + i + " " + "y".repeat(100_000 * i) + "\n";
                    s.getOutputStream().write(msg.getBytes(StandardCharsets.UTF_8));
                    s.shutdownOutput();
                    s.setSoTimeout(10_000);
                    String back = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals("echo: " + msg, back);
                }
            }
        } finally {
            pf.destroy();
            pf.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void attachWithStdinTypesIntoAStdinOnceContainerAndItsEndIsTheContainersEof() throws Exception {
        Result typed = run("hello\nworld\n", "attach", "-i", "typist");
        assertEquals(0, typed.exit(), typed.err());
        assertEquals("started\nhello\nworld\n", typed.out(), "the first attach sees the container's output from its"
                + " start, then what it typed, echoed by cat; " + typed.err());
        assertTrue(typist.waitFor(10, TimeUnit.SECONDS), "stdinOnce: the attach's end closed the container's stdin");
        Result again = run("more\n", "attach", "-i", "typist");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("stdinOnce"), again.err());
        Result closed = run("x\n", "attach", "-i", "web");
        assertEquals(1, closed.exit());
        assertTrue(closed.err().contains("set stdin: true"), closed.err());
    }

    @Test
    void followAndAttachEndWhenTheContainerStops() throws Exception {
        Process follow = kubectl("logs", "-f", "web").start();
        Process attach = kubectl("attach", "web").start();
        Thread.sleep(1500);
        Files.writeString(log, "four\n", StandardOpenOption.APPEND);
        Thread.sleep(800);
        running.set(false);
        try {
            assertTrue(follow.waitFor(20, TimeUnit.SECONDS), "logs -f ended with the container");
            assertTrue(attach.waitFor(20, TimeUnit.SECONDS), "attach ended with the container");
            String followed = new String(follow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("one\ntwo\nthree\nfour\n", followed,
                    new String(follow.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            String attached = new String(attach.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(attached.contains("four\n") && !attached.contains("three"), attached
                    + new String(attach.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(0, attach.exitValue());
        } finally {
            running.set(true);
            follow.destroy();
            attach.destroy();
        }
    }
}
