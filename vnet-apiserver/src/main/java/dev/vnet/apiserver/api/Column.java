package dev.vnet.apiserver.api;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One printer column of {@code get}, as kubectl's additionalPrinterColumns: a header and how to compute the cell;
 * wide columns show with {@code -o wide} only.
 */
public record Column<T>(String header, BiFunction<T, PrintContext, String> cell, boolean wide) {

    public static <T> Column<T> of(String header, Function<T, String> cell) {
        return new Column<>(header, (o, ctx) -> cell.apply(o), false);
    }

    public static <T> Column<T> wide(String header, Function<T, String> cell) {
        return new Column<>(header, (o, ctx) -> cell.apply(o), true);
    }

    /** A column that needs more than the object: the time, or related objects. */
    public static <T> Column<T> of(String header, BiFunction<T, PrintContext, String> cell, boolean wide) {
        return new Column<>(header, cell, wide);
    }
}
