package dev.vnet.ingress.route;

import dev.vnet.ingress.route.Action.Backend;
import dev.vnet.ingress.route.Action.Forward;
import dev.vnet.ingress.route.Action.Redirect;
import dev.vnet.ingress.route.Action.Respond;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Requests written as a line ("GET http://foo.bar.com/api?x=1 version=two") and decisions as short text. */
final class Requests {
    private Requests() {}

    /** "[METHOD] http(s)://host[:port]/path[?query] [header=value ...]"; the method defaults to GET. */
    static Request parse(String line) {
        String[] words = line.trim().split("\\s+");
        int i = 0;
        String method = "GET";
        if (!words[0].contains("://")) {
            method = words[i++];
        }
        String url = words[i++];
        boolean tls = url.startsWith("https://");
        String rest = url.substring(url.indexOf("://") + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String pathQuery = slash < 0 ? "/" : rest.substring(slash);
        int colon = authority.indexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        int port = colon < 0 ? (tls ? 443 : 80) : Integer.parseInt(authority.substring(colon + 1));
        int q = pathQuery.indexOf('?');
        String path = q < 0 ? pathQuery : pathQuery.substring(0, q);
        String query = q < 0 ? "" : pathQuery.substring(q + 1);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            headers.put(words[i].substring(0, eq).toLowerCase(Locale.ROOT), List.of(words[i].substring(eq + 1)));
        }
        return new Request(port, tls, host, method, path, headers, query);
    }

    /**
     * "forward default/api:80 [10.244.1.5:8080]", several backends as "forward default/a:80=90 [...] default/b:80=10
     * [...]" (an invalid one as "name=weight!500"), "respond 503", "redirect 308 https://...".
     */
    static String describe(Action a) {
        if (a instanceof Forward f) {
            String backends = f.backends().stream().map(b -> backend(b, f.backends().size() > 1))
                    .collect(Collectors.joining(" "));
            return "forward " + backends;
        }
        if (a instanceof Respond r) {
            return "respond " + r.status();
        }
        Redirect r = (Redirect) a;
        return "redirect " + r.status() + " " + r.location();
    }

    private static String backend(Backend b, boolean weights) {
        String w = weights ? "=" + b.weight() : "";
        if (b.endpoints().isEmpty()) {
            return b.service() + w + "!" + b.failStatus();
        }
        return b.service() + w + " " + b.endpoints();
    }
}
