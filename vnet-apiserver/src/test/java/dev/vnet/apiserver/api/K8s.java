package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.ServiceSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.api.model.ServiceStatusBuilder;
import io.fabric8.kubernetes.api.model.SessionAffinityConfig;
import io.fabric8.kubernetes.api.model.SessionAffinityConfigBuilder;
import java.util.List;
import java.util.Map;

/**
 * Test objects in a few words: the fabric8 model's builders, with the fields vnet reads as positional
 * arguments (a null leaves a field unset).
 */
public final class K8s {
    private K8s() {
    }

    public static ObjectMeta meta(String name, String namespace) {
        return meta(name, namespace, null, null);
    }

    public static ObjectMeta meta(String name, String namespace, Map<String, String> labels,
                                  Map<String, String> annotations) {
        ObjectMeta m = new ObjectMeta();
        m.setName(name);
        m.setNamespace(namespace);
        if (labels != null) {
            m.setLabels(new java.util.LinkedHashMap<>(labels));
        }
        if (annotations != null) {
            m.setAnnotations(new java.util.LinkedHashMap<>(annotations));
        }
        return m;
    }

    public static ContainerPort containerPort(String name, Integer port, String protocol) {
        ContainerPort p = new ContainerPort();
        p.setName(name);
        p.setContainerPort(port);
        p.setProtocol(protocol);
        return p;
    }

    public static Container container(String name, String image, List<String> command, List<String> args,
                                      List<ContainerPort> ports, List<EnvVar> env) {
        Container c = new Container();
        c.setName(name);
        c.setImage(image);
        if (command != null) {
            c.setCommand(command);
        }
        if (args != null) {
            c.setArgs(args);
        }
        if (ports != null) {
            c.setPorts(ports);
        }
        if (env != null) {
            c.setEnv(env);
        }
        return c;
    }

    public static EnvVar env(String name, String value) {
        return new EnvVar(name, value, null);
    }

    public static PodSpec podSpec(String nodeName, String hostname, String subdomain, String restartPolicy,
                                  List<Container> containers) {
        PodSpec s = new PodSpec();
        s.setNodeName(nodeName);
        s.setHostname(hostname);
        s.setSubdomain(subdomain);
        s.setRestartPolicy(restartPolicy);
        if (containers != null) {
            s.setContainers(containers);
        }
        return s;
    }

    public static PodStatus podStatus(String phase, String podIp) {
        return new PodStatusBuilder().withPhase(phase).withPodIP(podIp).build();
    }

    public static Pod pod(ObjectMeta meta, PodSpec spec, PodStatus status) {
        return new PodBuilder().withMetadata(meta).withSpec(spec).withStatus(status).build();
    }

    public static Pod withSpec(Pod p, PodSpec spec) {
        return new PodBuilder(p).withSpec(spec).build();
    }

    public static Pod withMeta(Pod p, ObjectMeta meta) {
        return new PodBuilder(p).withMetadata(meta).build();
    }

    public static ServicePort servicePort(String name, String protocol, Integer port, IntOrString targetPort,
                                          Integer nodePort) {
        ServicePort p = new ServicePort();
        p.setName(name);
        p.setProtocol(protocol);
        p.setPort(port);
        p.setTargetPort(targetPort);
        p.setNodePort(nodePort);
        return p;
    }

    public static IntOrString target(Object value) {
        return value instanceof Integer i ? new IntOrString(i) : new IntOrString(String.valueOf(value));
    }

    public static ServiceSpec serviceSpec(String type, Map<String, String> selector, List<ServicePort> ports,
                                          String clusterIp) {
        ServiceSpec s = new ServiceSpecBuilder().withType(type).withClusterIP(clusterIp).build();
        if (selector != null) {
            s.setSelector(new java.util.LinkedHashMap<>(selector));
        }
        if (ports != null) {
            s.setPorts(ports);
        }
        return s;
    }

    public static SessionAffinityConfig clientIp(Integer timeoutSeconds) {
        return new SessionAffinityConfigBuilder().withNewClientIP().withTimeoutSeconds(timeoutSeconds).endClientIP()
                .build();
    }

    public static Service service(ObjectMeta meta, ServiceSpec spec, ServiceStatus status) {
        return new ServiceBuilder().withMetadata(meta).withSpec(spec).withStatus(status).build();
    }

    public static Service withSpec(Service s, ServiceSpec spec) {
        return new ServiceBuilder(s).withSpec(spec).build();
    }

    public static ServiceStatus lbStatus(String ip) {
        return new ServiceStatusBuilder().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress()
                .endLoadBalancer().build();
    }

    public static EndpointPort endpointPort(String name, Integer port, String protocol) {
        return new EndpointPort(null, name, port, protocol);
    }

    public static EndpointAddress address(String ip, String hostname, String nodeName, String podNamespace,
                                          String podName) {
        EndpointAddress a = new EndpointAddress();
        a.setIp(ip);
        a.setHostname(hostname);
        a.setNodeName(nodeName);
        if (podName != null) {
            ObjectReference ref = new ObjectReference();
            ref.setKind("Pod");
            ref.setNamespace(podNamespace);
            ref.setName(podName);
            a.setTargetRef(ref);
        }
        return a;
    }

    public static EndpointSubset subset(List<EndpointAddress> ready, List<EndpointAddress> notReady,
                                        List<EndpointPort> ports) {
        EndpointSubset s = new EndpointSubset();
        if (ready != null) {
            s.setAddresses(ready);
        }
        if (notReady != null) {
            s.setNotReadyAddresses(notReady);
        }
        if (ports != null) {
            s.setPorts(ports);
        }
        return s;
    }

    public static Endpoints endpoints(ObjectMeta meta, List<EndpointSubset> subsets) {
        Endpoints e = new Endpoints();
        e.setMetadata(meta);
        if (subsets != null) {
            e.setSubsets(subsets);
        }
        return e;
    }
}
