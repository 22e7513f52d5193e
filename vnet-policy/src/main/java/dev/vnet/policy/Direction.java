package dev.vnet.policy;

/** The two directions of NetworkPolicy, as {@code policyTypes} names them. */
public enum Direction {
    /** Connections into the selected pod; the rules' peers are sources ({@code from}). */
    INGRESS("ingress", "Ingress", "from"),
    /** Connections out of the selected pod; the rules' peers are destinations ({@code to}). */
    EGRESS("egress", "Egress", "to");

    private final String label;
    private final String policyType;
    private final String peerField;

    Direction(String label, String policyType, String peerField) {
        this.label = label;
        this.policyType = policyType;
        this.peerField = peerField;
    }

    /** "ingress" or "egress", as verdicts print it. */
    public String label() {
        return label;
    }

    /** "Ingress" or "Egress", as {@code spec.policyTypes} writes it. */
    public String policyType() {
        return policyType;
    }

    /** "from" or "to": the field of a rule that lists its peers. */
    public String peerField() {
        return peerField;
    }
}
