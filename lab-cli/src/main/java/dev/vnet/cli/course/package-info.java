/**
 * The guided labs ({@code vnet lab ...}, folders {@code labs/NN-slug/}): each an {@link dev.vnet.cli.course.Exercise}
 * of steps whose checks test the real network. In the code "lab" means the running cluster ({@code dev.vnet.lab});
 * here the guided exercises are a course, loaded, checked and tracked for the learner.
 */
package dev.vnet.cli.course;
