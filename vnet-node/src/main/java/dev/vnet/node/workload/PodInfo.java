package dev.vnet.node.workload;

/** What a workload may know about the pod it runs in. */
public record PodInfo(String podName, String namespace, String netns, String podIp, String nodeName) {}
