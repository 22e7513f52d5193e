package dev.vnet.cli.course;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Exercise variables: filled in, shown as placeholders while missing, shell variables left alone. */
class VarsTest {
    private static final Vars.Resolver LAB = ref -> switch (ref.kind()) {
        case "ip" -> {
            if (ref.arg().equals("gone")) {
                throw new Vars.Unresolved("pod gone does not exist yet");
            }
            yield "10.244.1.2";
        }
        case "workdir" -> "/w";
        default -> throw new Vars.Unresolved("no " + ref);
    };

    @Test
    void variablesAreFilledInAndShellOnesLeftAlone() throws Exception {
        assertEquals("ping 10.244.1.2 > /w/out; echo ${HOME} $i", Vars.expand("ping ${ip:a} > ${workdir}/out; echo ${HOME} $i", LAB));
    }

    @Test
    void anUnresolvedVariableFailsExpansionButShowsAsAPlaceholder() {
        Vars.Unresolved e = assertThrows(Vars.Unresolved.class, () -> Vars.expand("ping ${ip:gone}", LAB));
        assertEquals("pod gone does not exist yet", e.getMessage());
        assertEquals("curl http://<ip of gone>:8080/", Vars.show("curl http://${ip:gone}:8080/", LAB));
    }

    @Test
    void badVariablesAreRefusedWhenTheFileLoads() {
        Fields where = Fields.place("lab.yaml: step 1");
        assertEquals("lab.yaml: step 1: ${ip} needs a pod: ${ip:NAME}",
                assertThrows(ExerciseFileException.class, () -> Vars.refs("ping ${ip}", where)).getMessage());
        assertEquals("lab.yaml: step 1: ${workdir} takes no argument",
                assertThrows(ExerciseFileException.class, () -> Vars.refs("${workdir:x}", where)).getMessage());
        assertEquals("lab.yaml: step 1: ${tun:node-10}: nodes are named node-1 ... node-9",
                assertThrows(ExerciseFileException.class, () -> Vars.refs("${tun:node-10}", where)).getMessage());
    }

    @Test
    void aPodsMacIsMadeFromItsIp() {
        assertEquals("0a:58:0a:f4:01:02", CheckContext.macOf("10.244.1.2"));
    }
}
