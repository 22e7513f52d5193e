package dev.vnet.node.workload;

/**
 * What a workload may know about the pod it runs in. {@code hostname} is what the pod's processes would see
 * as theirs ({@code spec.hostname}, else the pod's name), as agnhost and nginxdemos/hello report it.
 */
public record PodInfo(String podName, String namespace, String netns, String podIp, String nodeName,
                      String hostname) {
    /** A pod whose hostname is its name. */
    public PodInfo(String podName, String namespace, String netns, String podIp, String nodeName) {
        this(podName, namespace, netns, podIp, nodeName, podName);
    }
}
