package dev.vnet.cli;

import dev.vnet.apiserver.api.ApiException;
import dev.vnet.apiserver.api.Column;
import dev.vnet.apiserver.api.DescribeContext;
import dev.vnet.apiserver.api.Json;
import dev.vnet.apiserver.api.Kind;
import dev.vnet.apiserver.api.Operation;
import dev.vnet.apiserver.api.PrintContext;
import dev.vnet.apiserver.client.ApiClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resources as the CLI reads them from the API: typed by the kind registry, printed with each kind's columns and
 * described with its describer, as kubectl prints on the client side.
 */
final class Resources implements PrintContext, DescribeContext {
    private final ApiClient client;
    private final Map<Kind<?>, List<?>> related = new HashMap<>();

    Resources(ApiClient client) {
        this.client = client;
    }

    /** The objects of {@code kind} the API lists (one namespace, or all; one name, or all). */
    <T extends HasMetadata> List<T> list(Kind<T> kind, String namespace, boolean allNamespaces, String name)
            throws ApiException {
        return typed(kind, client.list(kind, namespace, allNamespaces, name).path("items"));
    }

    static <T extends HasMetadata> List<T> typed(Kind<T> kind, JsonNode items) {
        List<T> out = new ArrayList<>();
        for (JsonNode item : items) {
            out.add(Json.convert(item, kind.type()));
        }
        return out;
    }

    /** The table of {@code items} with the kind's columns (wide ones with -o wide), NAMESPACE first with -A. */
    <T extends HasMetadata> Table table(Kind<T> kind, List<T> items, boolean wide, boolean withNamespace) {
        List<Column<T>> cols = kind.columns().stream().filter(c -> wide || !c.wide()).toList();
        List<String> headers = new ArrayList<>();
        if (withNamespace && kind.namespaced()) {
            headers.add("NAMESPACE");
        }
        cols.forEach(c -> headers.add(c.header()));
        Table t = new Table(headers.toArray(String[]::new));
        for (T item : items) {
            List<String> row = new ArrayList<>();
            if (withNamespace && kind.namespaced()) {
                row.add(item.getMetadata().getNamespace());
            }
            cols.forEach(c -> row.add(c.cell().apply(item, this)));
            t.row(row.toArray(String[]::new));
        }
        return t;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <U extends HasMetadata> List<U> related(Kind<U> kind) {
        return (List<U>) related.computeIfAbsent(kind, k -> {
            try {
                return list(kind, "", true, null);
            } catch (ApiException e) {
                return List.of();
            }
        });
    }

    @Override
    public <U extends HasMetadata> Optional<U> get(Kind<U> kind, String namespace, String name) {
        try {
            return list(kind, namespace, false, name).stream().findFirst();
        } catch (ApiException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<JsonNode> call(ObjectNode request) {
        try {
            return Optional.of(client.call(request));
        } catch (ApiException e) {
            return Optional.empty();
        }
    }
}
