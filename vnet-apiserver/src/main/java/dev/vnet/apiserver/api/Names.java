package dev.vnet.apiserver.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.regex.Pattern;

/** Kubernetes' rules for names (DNS-1123 and DNS-1035 labels, subdomains, port names), each answer one line. */
public final class Names {
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A named port (IANA_SVC_NAME): up to 15 lower-case letters, digits and '-'. */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private Names() {
    }

    /** Null if {@code value} is a DNS-1123 label (as pod, container and namespace names must be), else why not. */
    public static String dns1123Label(String value) {
        if (value == null || value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > 63) {
            return "must be no more than 63 characters";
        }
        if (!DNS1123_LABEL.matcher(value).matches()) {
            return "\"" + value + "\" is not a DNS-1123 label: lower-case letters, digits and '-', "
                    + "starting and ending with a letter or digit";
        }
        return null;
    }

    /** Null if {@code value} is a DNS-1035 label (as Service names must be), else why not. */
    public static String dns1035Label(String value) {
        String base = dns1123Label(value);
        if (base != null) {
            return base.replace("DNS-1123", "DNS-1035");
        }
        if (!DNS1035_LABEL.matcher(value).matches()) {
            return "\"" + value + "\" is not a DNS-1035 label: it must start with a lower-case letter";
        }
        return null;
    }

    /** Null if {@code value} is a DNS-1123 subdomain (most objects' names, DNS names), else why not. */
    public static String dns1123Subdomain(String value) {
        if (value == null || value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > 253 || !DNS1123_SUBDOMAIN.matcher(value).matches()) {
            return "\"" + value + "\" is not a DNS-1123 subdomain: lower-case labels separated by dots";
        }
        return null;
    }

    /** Null if {@code value} is a port name (IANA_SVC_NAME: at most 15 characters, with a letter), else why not. */
    public static String portName(String value) {
        if (value.length() > 15 || !PORT_NAME.matcher(value).matches() || !value.matches(".*[a-z].*")) {
            return "\"" + value + "\" is not a port name: up to 15 lower-case letters, digits and '-', with a letter";
        }
        return null;
    }

    /** "Pod web-1", for messages; the name with blanks shown as '?', so the line stays one line. */
    public static String what(HasMetadata o) {
        String kind = o.getKind();
        String name = o.getMetadata() == null ? null : o.getMetadata().getName();
        return name == null || name.isEmpty() ? kind : kind + " " + name.replaceAll("\\s", "?");
    }

    /** Throws "WHAT: FIELD: PROBLEM" when {@code problem} is not null. */
    public static void check(String what, String field, String problem) throws InvalidManifestException {
        if (problem != null) {
            throw new InvalidManifestException(what + ": " + field + ": " + problem);
        }
    }

    /** The checks every kind shares: a name (a DNS-1123 subdomain) and, if given, a namespace (a label). */
    public static void validateMetadata(HasMetadata o) throws InvalidManifestException {
        validateMetadata(o, dns1123SubdomainRule());
    }

    /** As {@link #validateMetadata(HasMetadata)}, with the kind's own rule for its names. */
    public static void validateMetadata(HasMetadata o, java.util.function.Function<String, String> nameRule)
            throws InvalidManifestException {
        if (o.getMetadata() == null) {
            throw new InvalidManifestException(what(o) + ": metadata.name is required");
        }
        check(what(o), "metadata.name", nameRule.apply(o.getMetadata().getName()));
        String ns = o.getMetadata().getNamespace();
        if (ns != null && !ns.isEmpty()) {
            check(what(o), "metadata.namespace", dns1123Label(ns));
        }
    }

    private static java.util.function.Function<String, String> dns1123SubdomainRule() {
        return Names::dns1123Subdomain;
    }
}
