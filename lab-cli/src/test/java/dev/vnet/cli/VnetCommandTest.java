package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vnet.lab.LabConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The root options the REPL hands on to each verb it runs. */
class VnetCommandTest {
    private static VnetCommand parse(String... args) {
        CommandLine cl = VnetCommand.commandLine();
        cl.parseArgs(args);
        return cl.getCommand();
    }

    @Test
    void theReplsVerbsKeepTheLabAndTheConfigFile() {
        VnetCommand root = parse("--state-dir", "/tmp/s", "--prefix", "t1-", "--config", "/tmp/c.yaml");

        assertEquals(List.of("--state-dir", "/tmp/s", "--prefix", "t1-", "--config", "/tmp/c.yaml"), root.replArgs());
    }

    @Test
    void aStoreTokenAndDebugAreKeptToo() {
        VnetCommand root = parse("--debug", "--store", "etcd://192.0.2.1:2379", "--token-file", "/tmp/t");

        assertEquals(List.of("--state-dir", LabConfig.DEFAULT_STATE_DIR.toString(), "--prefix", LabConfig.DEFAULT_PREFIX,
                "--config", ClusterConfig.DEFAULT_FILE.toString(), "--debug", "--store", "etcd://192.0.2.1:2379", "--token-file", "/tmp/t"), root.replArgs());
    }
}
