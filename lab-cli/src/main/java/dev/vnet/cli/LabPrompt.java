package dev.vnet.cli;

/** What the REPL's prompt shows of the guided lab in progress: "03-vxlan-across-nodes 2/4", or null. */
final class LabPrompt {
    private LabPrompt() {}

    static String current(VnetCommand root) {
        return null;
    }
}
