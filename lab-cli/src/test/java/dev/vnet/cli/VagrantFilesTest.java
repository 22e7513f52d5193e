package dev.vnet.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static checks of the Vagrant lab ({@code vagrant/}) and of the start scripts it shares with the local
 * multi-process lab ({@code deploy/}). No VM is started: each check runs the tool that would catch the
 * mistake (ruby, shellcheck, systemd-analyze, vagrant) on the files as they are in the repository, offline.
 * A missing tool fails the check: CI installs them with {@code scripts/install-deps.sh test}.
 */
class VagrantFilesTest {
    private static final long TIMEOUT_SECONDS = 30;
    /** The units provision.sh installs, and where it puts the scripts their ExecStart= names. */
    private static final List<String> UNITS = List.of("vnet-etcd.service", "vnet-node.service");
    private static final String SCRIPT_DIR = "usr/local/lib/vnet";

    private final Path root = repositoryRoot();

    @TempDir
    Path tmp;

    @Test
    void vagrantfileIsValidRuby() {
        check(run(root, Map.of(), "ruby", "-c", "vagrant/Vagrantfile"), "ruby -c vagrant/Vagrantfile");
    }

    @Test
    void provisionScriptPassesShellcheck() {
        check(run(root, Map.of(), "shellcheck", "vagrant/provision.sh"), "shellcheck vagrant/provision.sh");
    }

    @Test
    void startScriptsPassShellcheck() {
        List<String> scripts = deployScripts().stream().map(p -> "deploy/" + p.getFileName()).toList();
        List<String> command = new ArrayList<>(List.of("shellcheck"));
        command.addAll(scripts);
        check(run(root, Map.of(), command.toArray(String[]::new)), String.join(" ", command));
    }

    @Test
    void installedScriptsPassShellcheck() {
        // The launcher provision.sh installs as /usr/local/bin/vnet, and the installer CI runs.
        check(run(root, Map.of(), "shellcheck", "scripts/vnet", "scripts/install-deps.sh"),
                "shellcheck scripts/vnet scripts/install-deps.sh");
    }

    /**
     * systemd-analyze verify, in a root of its own ({@code --root}): the system's unit directory copied in
     * (for sysinit.target and the like), the units where provision.sh installs them, and a stub for each
     * deploy script where provision.sh installs it, so that a wrong ExecStart= path is still caught. Unknown
     * keys and bad values are only warnings to systemd (exit 0), so any line naming our units fails too.
     */
    @Test
    void systemdUnitsVerify() throws IOException {
        Path sysroot = tmp.resolve("root");
        Set<Path> copied = new HashSet<>();   // /lib is /usr/lib on merged-/usr systems: copy it once
        for (String dir : List.of("usr/lib/systemd/system", "lib/systemd/system")) {
            Path system = Path.of("/").resolve(dir);
            if (Files.isDirectory(system) && copied.add(system.toRealPath())) {
                copyTree(system, sysroot.resolve(dir));
            }
        }
        Path unitDir = Files.createDirectories(sysroot.resolve("etc/systemd/system"));
        for (String unit : UNITS) {
            Files.copy(root.resolve("vagrant/systemd").resolve(unit), unitDir.resolve(unit));
        }
        Path scriptDir = Files.createDirectories(sysroot.resolve(SCRIPT_DIR));
        for (Path script : deployScripts()) {
            Path stub = scriptDir.resolve(script.getFileName().toString());
            Files.writeString(stub, "#!/bin/sh\n");
            assertTrue(stub.toFile().setExecutable(true));
        }
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--root=" + sysroot));
        command.addAll(UNITS);
        Result result = run(root, Map.of(), command.toArray(String[]::new));
        String what = "systemd-analyze verify vagrant/systemd/*.service";
        check(result, what);
        for (String line : result.output().lines().toList()) {
            for (String unit : UNITS) {
                assertFalse(line.contains(unit), what + " warned:\n" + result.output());
            }
        }
    }

    /** vagrant validate under libvirt: the vagrant-libvirt plugin loads and validates without a libvirt daemon. */
    @Test
    void vagrantValidatesForLibvirt() throws IOException {
        check(vagrantValidate("libvirt", Map.of()), "vagrant validate (libvirt)");
    }

    /**
     * vagrant validate under VirtualBox, which is not installed here: Vagrant only asks {@code VBoxManage
     * --version} to decide that the provider is usable, so a stub that answers that (and fails on anything
     * else) lets it validate the {@code config.vm.provider "virtualbox"} block as well.
     */
    @Test
    void vagrantValidatesForVirtualBox() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path stub = bin.resolve("VBoxManage");
        Files.writeString(stub, """
                #!/bin/sh
                # A stand-in for VirtualBox's VBoxManage, for `vagrant validate` only.
                if [ "$1" = --version ]; then echo 7.0.20r163906; exit 0; fi
                echo "VBoxManage stub (VagrantFilesTest): only --version is answered, not: $*" >&2
                exit 1
                """);
        assertTrue(stub.toFile().setExecutable(true));
        String path = bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        check(vagrantValidate("virtualbox", Map.of("PATH", path)), "vagrant validate (virtualbox)");
    }

    /**
     * Runs {@code vagrant validate} in vagrant/ offline and leaves nothing behind: HOME, VAGRANT_HOME and
     * the machine state (.vagrant, VAGRANT_DOTFILE_PATH) in the test's temporary directory, no version check.
     */
    private Result vagrantValidate(String provider, Map<String, String> extraEnv) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Map<String, String> env = new HashMap<>(Map.of(
                "HOME", home.toString(),
                "VAGRANT_HOME", home.resolve(".vagrant.d").toString(),
                "VAGRANT_DOTFILE_PATH", tmp.resolve("dot-vagrant").toString(),
                "VAGRANT_CHECKPOINT_DISABLE", "1",
                "VAGRANT_DEFAULT_PROVIDER", provider));
        env.putAll(extraEnv);
        Result result = run(root.resolve("vagrant"), env, "vagrant", "validate", "--no-color", "--no-tty");
        if (result.exitCode() != 0 && result.output().contains("provider '" + provider + "' could not be found")) {
            fail("vagrant has no " + provider + " provider: run scripts/install-deps.sh test (vagrant-libvirt)\n"
                    + result.output());
        }
        return result;
    }

    private static void check(Result result, String what) {
        if (result.exitCode() != 0) {
            fail(what + " failed (exit " + result.exitCode() + "):\n" + result.output());
        }
    }

    private List<Path> deployScripts() {
        try (Stream<Path> files = Files.list(root.resolve("deploy"))) {
            List<Path> scripts = files.filter(p -> p.getFileName().toString().endsWith(".sh")).sorted().toList();
            assertFalse(scripts.isEmpty(), "no deploy/*.sh in " + root);
            return scripts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Result(int exitCode, String output) {}

    /** Runs a tool with stdin closed, output and errors together; a missing tool fails the test in one line. */
    private static Result run(Path dir, Map<String, String> env, String... command) {
        String tool = command[0];
        String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        if (!onPath(tool, path)) {
            fail(tool + " is not installed: run scripts/install-deps.sh test");
        }
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("VNET_NODES");          // the Vagrantfile's defaults, whatever the caller set
        pb.environment().remove("VAGRANT_CWD");
        pb.environment().remove("VAGRANT_VAGRANTFILE");
        pb.environment().putAll(env);
        try {
            Process process = pb.start();
            process.getOutputStream().close();
            // Read on another thread, so that a tool that hangs still meets the timeout below.
            CompletableFuture<String> output = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    output.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    output.complete("(could not read the output: " + e + ")");
                }
            }, "output of " + tool);
            reader.setDaemon(true);
            reader.start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(process.exitValue(), output.get(5, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + tool, e);
        } catch (Exception e) {
            throw new IllegalStateException("could not run " + tool, e);
        }
    }

    private static boolean onPath(String tool, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Copies a directory tree, symbolic links as links (systemd resolves them inside --root). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path source : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        }
    }

    /**
     * The repository's top folder: Maven runs tests in the module folder, so the nearest ancestor of the
     * working directory holding vagrant/Vagrantfile. The system property vnet.repoRoot points at another
     * checkout (or a deliberately broken copy) instead.
     */
    private static Path repositoryRoot() {
        String override = System.getProperty("vnet.repoRoot");
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path dir = cwd; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("vagrant/Vagrantfile")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no vagrant/Vagrantfile above " + cwd);
    }
}
