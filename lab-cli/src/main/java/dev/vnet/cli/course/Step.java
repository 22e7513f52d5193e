package dev.vnet.cli.course;

import java.util.List;

/**
 * One step of a lab: what to look at and why, commands to try, progressive hints, the checks that must all
 * pass against the network, and the commands that solve it (for the lab's own test and the last hint).
 */
public record Step(String title, String text, List<String> commands, List<String> hints, List<Check> checks,
                   List<String> solution) {
    public Step {
        commands = List.copyOf(commands);
        hints = List.copyOf(hints);
        checks = List.copyOf(checks);
        solution = List.copyOf(solution);
    }
}
