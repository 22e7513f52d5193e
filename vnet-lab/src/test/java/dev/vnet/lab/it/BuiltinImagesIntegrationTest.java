package dev.vnet.lab.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vnet.apiserver.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Manifests as tutorials write them (nginx, agnhost netexec, busybox, jessie-dnsutils, pause), applied
 * unchanged: the servers answer as those images do and the shell images' tools run in the pods' namespaces with
 * the pods' resolver. Needs root (skipped with the reason otherwise).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BuiltinImagesIntegrationTest {
    private static TestLab lab;
    private static String nginx;
    private static String agnhost;
    private static String shell;
    private static String dnsutils;
    private static String pause;
    private static String oneShot;

    @BeforeAll
    static void startLab() throws Exception {
        lab = TestLab.start(2);
        nginx = lab.pod("nginx");
        agnhost = lab.pod("netexec");
        shell = lab.pod("busybox");
        dnsutils = lab.pod("dnsutils");
        pause = lab.pod("pause");
        oneShot = lab.pod("oneshot");
        lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %1$s, labels: {app: nginx}}
                spec:
                  nodeName: node-1
                  containers:
                  - name: nginx
                    image: nginx:1.27
                    ports: [{containerPort: 80}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %2$s}
                spec:
                  nodeName: node-2
                  containers:
                  - name: agnhost
                    image: registry.k8s.io/e2e-test-images/agnhost:2.39
                    args: [netexec, --http-port=8080]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %3$s}
                spec:
                  nodeName: node-2
                  containers:
                  - {name: busybox, image: busybox, command: [sleep, "3600"]}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %4$s, namespace: default}
                spec:
                  nodeName: node-1
                  containers:
                  - name: dnsutils
                    image: registry.k8s.io/e2e-test-images/jessie-dnsutils:1.3
                    command: [sleep, infinity]
                    imagePullPolicy: IfNotPresent
                  restartPolicy: Always
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %5$s}
                spec:
                  nodeName: node-1
                  containers:
                  - {name: pause, image: registry.k8s.io/pause:3.9}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: %6$s}
                spec:
                  nodeName: node-1
                  restartPolicy: Never
                  containers:
                  - {name: sh, image: docker.io/library/busybox:1.36}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: nginx}
                spec:
                  selector: {app: nginx}
                  ports: [{port: 80}]
                """.formatted(nginx, agnhost, shell, dnsutils, pause, oneShot));
    }

    @AfterAll
    static void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void serversAndSleepersRunAndTheDefaultShellSucceeds() throws Exception {
        for (String pod : List.of(nginx, agnhost, shell, dnsutils, pause)) {
            assertEquals("Running", lab.pod(pod, "status.phase").asString(), pod);
        }
        String phase = "";
        for (int i = 0; i < 50 && !phase.equals("Succeeded"); i++) {
            Thread.sleep(100);
            phase = lab.pod(oneShot, "status.phase").asString();
        }
        assertEquals("Succeeded", phase, "busybox's sh without a tty exits 0 at once");
    }

    @Test
    @Order(2)
    void wgetFromBusyboxGetsNginxsWelcomePageNamingThePod() throws Exception {
        TestLab.Result r = TestLab.inNs(shell, 20, "wget", "-qO-", "-T", "5", "http://" + lab.podIp(nginx) + "/");

        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("<title>Welcome to nginx!</title>"), r.out());
        assertTrue(r.out().contains("Served by pod " + nginx), r.out());
        TestLab.Result viaService = TestLab.inNs(shell, 20, "curl", "-sSI", "-m", "5", "http://nginx/");
        assertTrue(viaService.out().startsWith("HTTP/1.1 200 OK") && viaService.out().contains("Server: nginx"),
                "the Service name through the pod's resolver, HEAD: " + viaService.out());
    }

    @Test
    @Order(3)
    void nginxsAccessLogNamesTheClientPod() throws Exception {
        String log = "";
        for (int i = 0; i < 30 && !log.contains("\"GET / HTTP/1.1\" 200"); i++) {
            log = lab.call("logs", "pod", nginx, "container", "nginx").path("text").asString();
            Thread.sleep(100);
        }
        assertTrue(log.contains(lab.podIp(shell) + " - - [") && log.contains("\"GET / HTTP/1.1\" 200"), log);
    }

    @Test
    @Order(4)
    void nslookupAndDigUseThePodsResolver() throws Exception {
        String vip = lab.call("get", "kind", "svc", "name", "nginx").path("list").path("items").get(0)
                .path("spec").path("clusterIP").asString();

        TestLab.Result ns = TestLab.inNs(shell, 20, "nslookup", "nginx");
        assertTrue(ns.out().contains("nginx.default.svc.cluster.local") && ns.out().contains(vip), ns.out());
        TestLab.Result dig = TestLab.inNs(dnsutils, 20, "dig", "+short", "+time=2", "+tries=1",
                "nginx.default.svc.cluster.local");
        assertEquals(vip, dig.out().strip());
        TestLab.Result kubeDns = TestLab.inNs(dnsutils, 20, "dig", "+short", "+time=2", "+tries=1",
                "kube-dns.kube-system.svc.cluster.local");
        assertEquals("10.96.0.10", kubeDns.out().strip());
    }

    @Test
    @Order(5)
    void netexecAnswersItsPathsAcrossNodes() throws Exception {
        String ip = lab.podIp(agnhost);
        String base = "http://" + ip + ":8080";

        assertEquals(agnhost, curl(dnsutils, base + "/hostname"));
        assertTrue(curl(dnsutils, base + "/clientip").startsWith(lab.podIp(dnsutils) + ":"), "no NAT between pods");
        assertEquals("hello", curl(dnsutils, base + "/echo?msg=hello"));
        assertEquals("{\"responses\":[\"" + agnhost + "\"]}",
                curl(dnsutils, base + "/dial?request=hostname&protocol=udp&host=" + ip + "&port=8081"),
                "netexec dials from its own pod, over UDP to its UDP server");
        String dialed = curl(dnsutils, base + "/dial?request=hostname&protocol=http&host=" + ip + "&port=8080");
        assertEquals("{\"responses\":[\"" + agnhost + "\"]}", dialed);
        String resolv = curl(dnsutils, base + "/shell?cmd=cat+/etc/resolv.conf");
        assertTrue(resolv.contains("nameserver 10.96.0.10"), "/shell runs in the pod's namespace: " + resolv);
    }

    private static String curl(String pod, String url) throws Exception {
        TestLab.Result r = TestLab.inNs(pod, 20, "curl", "-s", "-m", "5", url);
        assertEquals(0, r.exit(), url + ": " + r.out());
        return r.out();
    }

    @Test
    @Order(6)
    void anUnknownImageWithoutACommandIsRefusedAtApply() {
        ApiException e = assertThrows(ApiException.class, () -> lab.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec: {containers: [{name: db, image: postgres:16}]}
                """.formatted(lab.pod("db"))));

        assertTrue(e.getMessage().contains("\"postgres:16\" is not a built-in image (whoami, echo, nginx"),
                e.getMessage());
    }

    @Test
    @Order(7)
    void teardownLeavesNothing() throws Exception {
        lab.close();
        assertEquals(List.of(), lab.leftoverNamespaces());
        assertEquals(lab.rootBefore, TestLab.RootSnapshot.take());
    }
}
