package dev.vnet.cli.course;

/** What every check shares: an optional {@code missing} line that the lab author wrote for the learner. */
abstract class AbstractCheck implements Check {
    private final String missing;

    AbstractCheck(String missing) {
        this.missing = missing;
    }

    /** A failure: the author's {@code missing} line if there is one, else the check's own words. */
    final Result fail(CheckContext ctx, String own) {
        return Result.fail(missing != null ? ctx.show(missing) : own);
    }
}
