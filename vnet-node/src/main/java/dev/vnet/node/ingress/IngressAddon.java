package dev.vnet.node.ingress;

import dev.vnet.apiserver.controller.IngressStatusController;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ingress controller as `vnet up` installs it, the way ingress-nginx is deployed: a namespace of its own, the
 * controller pod (image vnet/ingress-controller), and a LoadBalancer Service in front of it on ports 80 and 443
 * (NodePorts 31080 and 31443), plus the default IngressClass and the GatewayClass it serves. Applied as a
 * manifest, so a learner can read it with `vnet get pods -n ingress -o yaml` and `vnet get svc -n ingress -o yaml`.
 */
public final class IngressAddon {
    /** The built-in image of the controller: the node runs {@link IngressControllerMain} in the pod's namespace. */
    public static final String IMAGE = dev.vnet.apiserver.api.PodKind.INGRESS_CONTROLLER_IMAGE;
    public static final String NAMESPACE = IngressStatusController.SERVICE_NAMESPACE;
    public static final String SERVICE = IngressStatusController.SERVICE_NAME;
    public static final String CLASS = "vnet";
    /**
     * Fixed addresses at the ends of their ranges, so the Services a learner creates get the same first
     * addresses with or without the controller (10.96.0.2, 192.168.56.200, NodePorts from 30000).
     */
    public static final String CLUSTER_IP = "10.96.0.250";
    public static final String LOAD_BALANCER_IP = "192.168.56.250";

    private IngressAddon() {}

    /** The pod's name: carries the lab's prefix, since it names a network namespace of this machine. */
    public static String podName(String labPrefix) {
        return labPrefix + "ingress-controller";
    }

    /**
     * The manifest for a one-process lab: the controller reads the Kubernetes API in-cluster, at the
     * {@code kubernetes} Service's address, with the lab's CA and token (files of {@code kubeDir}).
     */
    public static String manifest(String labPrefix, String kubeApiUrl, Path kubeDir) {
        return manifest(labPrefix, List.of("--kube-api", kubeApiUrl, "--ca-file", kubeDir.resolve("ca.crt").toString(),
                "--token-file", kubeDir.resolve("token").toString()));
    }

    /** The manifest for a cluster of node processes over etcd: the controller finds the nodes' APIs as the CLI does. */
    public static String manifest(String labPrefix, String store, Path tokenFile, int apiPort) {
        return manifest(labPrefix, List.of("--store", store, "--token-file", tokenFile.toString(), "--api-port",
                Integer.toString(apiPort)));
    }

    private static String manifest(String labPrefix, List<String> controllerArgs) {
        String args = String.join(", ", controllerArgs.stream().map(a -> "\"" + a + "\"").toList());
        return """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %1$s
                  labels: {app.kubernetes.io/name: ingress-controller}
                ---
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata:
                  name: %4$s
                  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
                spec:
                  controller: vnet.dev/ingress-controller
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata:
                  name: %4$s
                spec:
                  controllerName: vnet.dev/gateway-controller
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %2$s
                  namespace: %1$s
                  labels: {app.kubernetes.io/name: ingress-controller}
                spec:
                  containers:
                  - name: controller
                    image: %5$s
                    args: [%3$s]
                    ports:
                    - {name: http, containerPort: 80}
                    - {name: https, containerPort: 443}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: %6$s
                  namespace: %1$s
                spec:
                  type: LoadBalancer
                  clusterIP: %7$s
                  loadBalancerIP: %8$s
                  selector: {app.kubernetes.io/name: ingress-controller}
                  ports:
                  - {name: http, port: 80, targetPort: http, nodePort: 31080}
                  - {name: https, port: 443, targetPort: https, nodePort: 31443}
                """.formatted(NAMESPACE, podName(labPrefix), args, CLASS, IMAGE, SERVICE, CLUSTER_IP, LOAD_BALANCER_IP);
    }

    /**
     * The command line of the controller's container: this JVM's own java and class path, so the controller is
     * the same build as the lab. Both JIT tiers (a proxy lives on its hot loop), a bounded heap and the serial
     * collector: it is one of many processes on a small machine, and a request allocates little.
     */
    public static List<String> command() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ArrayList<>(List.of(java, "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), IngressControllerMain.class.getName()));
    }
}
