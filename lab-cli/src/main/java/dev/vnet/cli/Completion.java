package dev.vnet.cli;

import dev.vnet.apiserver.api.Kinds;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * What a word of a command line may be, read from the verb's own definition: the subcommands and options its
 * picocli spec declares, and for a value the label of its parameter or option ({@code KIND}, {@code NAME},
 * {@code POD}, {@code NODE}, {@code TARGET}, {@code DESTINATION}, {@code SERVICE}, {@code LAB}), or the candidates
 * it declares itself. Live names come from {@code names}: a kind's word → the names of that kind in the cluster.
 */
final class Completion {
    private final Function<String, List<String>> names;
    private final Function<Void, List<String>> labs;

    Completion(Function<String, List<String>> names, Function<Void, List<String>> labs) {
        this.names = names;
        this.labs = labs;
    }

    /** Candidates for the word at {@code index} of {@code words} (words[0] is the verb), given the verb's spec. */
    List<String> candidates(CommandSpec verb, List<String> words, int index) {
        CommandSpec spec = verb;
        int at = 1;
        while (at < index && spec.subcommands().containsKey(words.get(at))) {
            spec = spec.subcommands().get(words.get(at)).getCommandSpec();
            at++;
        }
        List<String> out = new ArrayList<>();
        String previous = index > 0 ? words.get(index - 1) : "";
        OptionSpec option = spec.findOption(previous);
        if (option != null && option.arity().min() > 0) {
            return values(option, words);
        }
        if (at == index) {
            out.addAll(spec.subcommands().keySet());
        }
        for (OptionSpec o : spec.options()) {
            out.addAll(List.of(o.names()));
        }
        // Which positional this word is: count the positionals before it, skipping options and their values.
        int position = 0;
        for (int i = at; i < index; i++) {
            String w = words.get(i);
            OptionSpec o = spec.findOption(w);
            if (o != null) {
                i += o.arity().min() > 0 ? 1 : 0;
            } else if (!w.startsWith("-")) {
                position++;
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.index().contains(position)) {
                out.addAll(values(p, words));
            }
        }
        return out;
    }

    private List<String> values(ArgSpec arg, List<String> words) {
        List<String> out = new ArrayList<>();
        if (arg.completionCandidates() != null) {
            arg.completionCandidates().forEach(out::add);
            return out;
        }
        String label = arg.paramLabel().replaceAll("[<>.]", "");
        switch (label) {
            case "KIND" -> out.addAll(Kinds.builtIn().words());
            case "NAME" -> {
                // The kind is the verb's first positional: get KIND NAME, describe KIND NAME, delete KIND NAME...
                String kind = words.stream().skip(1).filter(w -> Kinds.builtIn().find(w).isPresent()).findFirst()
                        .orElse(null);
                if (kind != null) {
                    out.addAll(names.apply(kind));
                }
            }
            case "POD" -> out.addAll(names.apply("pods"));
            case "NODE" -> out.addAll(names.apply("nodes"));
            case "SERVICE" -> out.addAll(names.apply("services"));
            case "TARGET" -> {
                out.addAll(names.apply("pods"));
                out.add("outside");
                names.apply("nodes").forEach(n -> out.add("node/" + n));
            }
            case "DESTINATION" -> {
                out.addAll(names.apply("pods"));
                out.addAll(names.apply("services"));
            }
            case "LAB" -> out.addAll(labs.apply(null));
            default -> { }
        }
        return out;
    }

    /** The capture points, for {@code --point}. */
    static final class Points implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return List.of("pod", "gateway", "nat", "overlay", "tun", "underlay", "all").iterator();
        }
    }

}
