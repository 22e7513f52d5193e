package dev.vnet.cli;

import dev.vnet.apiserver.rest.Kubeconfig;
import dev.vnet.lab.LabConfig;
import dev.vnet.lab.LocalLab;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "kubeconfig", description = {
        "Print a kubeconfig for the running lab's Kubernetes API, so the real kubectl works against it:",
        "cluster, user and context `vnet` (https://127.0.0.1:6443, its CA and token).",
        "With --write: write it to the lab's state directory and print the file's path instead.",
        "Example: export KUBECONFIG=$(vnet kubeconfig --write); kubectl get nodes",
        "   or:   vnet kubeconfig --merge   (adds it to ~/.kube/config, or $KUBECONFIG's first file)"})
final class KubeconfigCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Option(names = "--write", description = "Write STATE/kubeconfig (mode 0600) and print its path.")
    boolean write;

    @Option(names = "--merge", description = "Add the lab's cluster, user and context to your kubeconfig and make "
            + "its context current.")
    boolean merge;

    @Option(names = "--kubeconfig-file", description = "With --merge: the kubeconfig to change (default: "
            + "$KUBECONFIG's first file, else ~/.kube/config).")
    Path target;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        LabConfig config = root.labConfig();
        String text = text(root, config);
        if (merge) {
            Path file = mergeInto(root, config, target);
            out.println("merged context vnet into " + file + " (now current)");
            return 0;
        }
        if (write) {
            Path file = LocalLab.kubeconfig(config);
            Kubeconfig.write(file, text);
            out.println(file);
            return 0;
        }
        out.print(text);
        return 0;
    }

    private static String text(VnetCommand root, LabConfig config) throws Exception {
        if (!java.nio.file.Files.exists(config.kubeDir().resolve("server"))
                && root.client() instanceof dev.vnet.apiserver.client.ClusterClient cluster) {
            return cluster.kubeconfig(); // a VM of a multi-machine cluster: its nodes' own addresses
        }
        try {
            return Kubeconfig.forLab(config.kubeDir());
        } catch (IOException e) {
            throw new VnetCommand.CliException(e.getMessage());
        }
    }

    /** Merges the lab's kubeconfig into {@code target} (or the user's kubeconfig); returns the file changed. */
    static Path mergeInto(VnetCommand root, LabConfig config, Path target) throws Exception {
        Path file = target != null ? target : userKubeconfig();
        try {
            Kubeconfig.merge(file, text(root, config));
        } catch (IOException e) {
            throw new VnetCommand.CliException("cannot merge into " + file + ": " + e.getMessage());
        }
        return file;
    }

    /** kubectl's own choice: $KUBECONFIG's first file, else ~/.kube/config. */
    static Path userKubeconfig() {
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            for (String f : env.split(":")) {
                if (!f.isBlank()) {
                    return Path.of(f);
                }
            }
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config");
    }
}
