package dev.vnet.node.workload;

import dev.vnet.apiserver.api.PodKind;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What a node runs for a container, from its image, {@code command} and {@code args}, with Kubernetes'
 * rules: {@code command} replaces the image's ENTRYPOINT, {@code args} its CMD, and {@code args} alone follow
 * the ENTRYPOINT. Images are matched by {@link PodKind#builtinImage}, so {@code nginx:1.27} and
 * {@code registry.k8s.io/e2e-test-images/agnhost:2.39} are found whatever the registry and tag.
 *
 * <ul>
 *   <li>Servers vnet runs itself (whoami, echo, nginx, nginxdemos/hello, agnhost, pause, the ingress
 *       controller) become a {@link Builtin}, also when {@code command} names the image's own program
 *       ({@code command: [/agnhost, netexec]}).</li>
 *   <li>Shell images (busybox, alpine, ubuntu, debian, dnsutils, jessie-dnsutils, netshoot) have no ENTRYPOINT
 *       and a shell as CMD: {@code args} alone are the command, and with neither the shell reads its empty
 *       stdin and exits 0 (the pod Succeeds), as it does without a tty in Kubernetes. Their tools are the
 *       host's, run inside the pod's namespace.</li>
 *   <li>curl (curlimages/curl) runs {@code curl} with {@code args} that start with '-' or name no program, as
 *       its entrypoint script does.</li>
 *   <li>Any other image needs a {@code command}, a host program run in the pod's namespace.</li>
 * </ul>
 */
public final class Images {
    /** How a container starts. */
    public sealed interface Launch permits Run, Builtin {}

    /** A host program started in the pod's namespace ({@link CommandContainer}), with its arguments. */
    public record Run(List<String> argv) implements Launch {}

    /** A built-in image (as {@link PodKind#builtinImage} names it) and the arguments its program gets. */
    public record Builtin(String image, List<String> args) implements Launch {}

    private static final Set<String> SHELL_IMAGES =
            Set.of("busybox", "alpine", "ubuntu", "debian", "dnsutils", "jessie-dnsutils", "netshoot");

    private Images() {
    }

    /**
     * How to start a container of {@code image} with {@code command} and {@code args} (either may be empty);
     * throws {@link IllegalArgumentException} with the one-line reason when there is nothing to run.
     */
    public static Launch resolve(String image, List<String> command, List<String> args) {
        return resolve(image, command, args, Images::onHostPath);
    }

    /** As {@link #resolve(String, List, List)}, with {@code isProgram} telling which names are programs. */
    static Launch resolve(String image, List<String> command, List<String> args, Predicate<String> isProgram) {
        List<String> cmd = command == null ? List.of() : command;
        List<String> arg = args == null ? List.of() : args;
        String builtin = PodKind.builtinImage(image);
        Set<String> programs = builtin == null ? Set.of() : programs(builtin);
        if (!cmd.isEmpty()) {
            if (programs.contains(baseName(cmd.get(0)))) {
                return new Builtin(builtin, concat(cmd.subList(1, cmd.size()), arg));
            }
            return new Run(concat(cmd, arg));
        }
        if (builtin == null) {
            throw new IllegalArgumentException(PodKind.unknownImage(image));
        }
        if (SHELL_IMAGES.contains(builtin)) {
            return new Run(arg.isEmpty() ? List.of("sh") : arg);
        }
        switch (builtin) {
            case "curl" -> {
                // curlimages/curl's entrypoint: "curl" goes first unless the first argument is a program.
                if (!arg.isEmpty() && !arg.get(0).startsWith("-") && isProgram.test(arg.get(0))) {
                    return new Run(arg);
                }
                return new Run(concat(List.of("curl"), arg));
            }
            case "nginx", "nginxdemos/hello" -> {
                // The entrypoint script runs its arguments; the CMD is nginx itself.
                if (!arg.isEmpty() && !programs.contains(baseName(arg.get(0)))) {
                    return new Run(arg);
                }
                return new Builtin(builtin, arg.isEmpty() ? List.of() : arg.subList(1, arg.size()));
            }
            case "agnhost" -> {
                return new Builtin(builtin, arg.isEmpty() ? List.of("pause") : arg); // its CMD is pause
            }
            default -> {
                return new Builtin(builtin, arg);
            }
        }
    }

    /** The program names that mean a built-in image's own server when {@code command} names one. */
    private static Set<String> programs(String builtin) {
        return switch (builtin) {
            case "nginx", "nginxdemos/hello" -> Set.of("nginx");
            case "agnhost" -> Set.of("agnhost", "agnhost-2");
            case "pause" -> Set.of("pause");
            case "whoami" -> Set.of("whoami");
            default -> Set.of();
        };
    }

    private static String baseName(String program) {
        return program.substring(program.lastIndexOf('/') + 1);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return List.copyOf(all);
    }

    /** Whether {@code name} is a program the node can start: an executable path, or found on its PATH. */
    private static boolean onHostPath(String name) {
        if (name.contains("/")) {
            return Files.isExecutable(Path.of(name));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
