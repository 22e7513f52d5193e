package dev.vnet.apiserver.rest;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * One HTTP request to the Kubernetes API, as the verbs read it: method, path, query, the media types and the body.
 *
 * @param contentType the body's media type, without parameters ({@code application/merge-patch+json})
 * @param accept      the Accept header as sent (kubectl lists several types, Table first)
 */
record KubeRequest(String method, String path, QueryStringDecoder query, String contentType, String accept,
                   byte[] body) {

    static KubeRequest of(String method, String uri, String contentType, String accept, byte[] body) {
        QueryStringDecoder q = new QueryStringDecoder(uri);
        String type = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase();
        return new KubeRequest(method, q.path(), q, type, accept == null ? "" : accept, body == null ? new byte[0] : body);
    }

    /** The last value of a query parameter, or "" when absent. */
    String param(String name) {
        List<String> v = query.parameters().get(name);
        return v == null || v.isEmpty() ? "" : v.get(v.size() - 1);
    }

    /**
     * A boolean query parameter as the API server reads one: present and not "false" or "0" (in any case) is
     * true, so {@code watch=True} from the Python client and a bare {@code ?watch} both count.
     */
    boolean flag(String name) {
        List<String> v = query.parameters().get(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        String first = v.get(0).toLowerCase(java.util.Locale.ROOT);
        return !first.equals("false") && !first.equals("0");
    }
}
