package dev.vnet.nat.lb;

/**
 * What a {@link Balancer} picked: an index into the endpoint list it was given, and why, in words for
 * traces ("round-robin #5 → 2"). Indexes are 0-based, in reasons too.
 */
public record Choice(int index, String reason) {
}
