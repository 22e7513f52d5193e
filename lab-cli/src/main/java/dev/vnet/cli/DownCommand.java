package dev.vnet.cli;

import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.client.ApiClient;
import dev.vnet.core.linux.Privileges;
import dev.vnet.lab.LocalLab;
import dev.vnet.lab.ProcessLab;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "down", description = {
        "Stop the lab and remove every namespace, link and process it made.",
        "Also cleans up what a crashed lab left behind. Example: vnet down"})
final class DownCommand implements Callable<Integer> {
    @ParentCommand
    VnetCommand root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String problem = Privileges.whyNotUsable();
        if (problem != null) {
            throw new VnetCommand.CliException(problem);
        }
        if (ProcessLab.running(root.stateDir).isPresent()) {
            ProcessLab.down(root.labConfig());
            out.println("lab stopped and removed (node processes and etcd stopped, etcd's data deleted)");
            return 0;
        }
        ApiClient client = root.client();
        if (client.labRunning()) {
            JsonNode status = client.call(Operation.STATUS.request());
            Optional<ProcessHandle> lab = ProcessHandle.of(status.path("pid").asLong());
            client.call(Operation.DOWN.request());
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (lab.isPresent() && lab.get().isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // A lab run in-process (tests) does not exit; wait for its socket to go instead.
            while (client.labRunning() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            out.println("lab stopped and removed");
            return 0;
        }
        if (LocalLab.cleanStale(root.labConfig())) {
            out.println("no lab was running; removed what a stopped lab had left behind");
        } else {
            out.println("no lab is running");
        }
        return 0;
    }
}
