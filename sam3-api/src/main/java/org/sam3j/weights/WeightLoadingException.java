package org.sam3j.weights;

import java.util.List;

/**
 * Parameters that are missing, unexpected, of the wrong shape, or unreadable. The message lists every
 * problem found (the first few of each kind) so that one run shows all that is wrong.
 */
public class WeightLoadingException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    /** @param source what was being loaded; @param problems one line per problem */
    public WeightLoadingException(String source, List<String> problems) {
        super(format(source, problems));
        this.problems = List.copyOf(problems);
    }

    /** A single problem. */
    public WeightLoadingException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    /** A single problem with a cause. */
    public WeightLoadingException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of(message);
    }

    /** The individual problems. */
    public List<String> problems() {
        return problems;
    }

    private static String format(String source, List<String> problems) {
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(": ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        int shown = 0;
        for (String p : problems) {
            if (shown++ == 20) {
                sb.append("\n  ... and ").append(problems.size() - 20).append(" more");
                break;
            }
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
