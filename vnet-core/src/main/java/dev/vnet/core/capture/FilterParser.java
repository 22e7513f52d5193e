package dev.vnet.core.capture;

import dev.vnet.core.addr.Cidr;
import dev.vnet.core.addr.Ipv4Address;
import dev.vnet.core.addr.MacAddress;
import dev.vnet.core.capture.FilterNode.Direction;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a capture filter expression into a {@link FilterNode} tree by recursive descent over the grammar in
 * {@link CaptureFilter}. Each error is one line naming the token it stopped at.
 */
final class FilterParser {

    /** A word such as "host" or "10.0.0.1", or one of ( ) ! && ||; {@code column} counts from 1. */
    private record Token(String text, int column) {

        boolean isWord() {
            char c = text.charAt(0);
            return c != '(' && c != ')' && c != '!' && c != '&' && c != '|';
        }

        /** True for the keyword (in any case) or symbol {@code word}. */
        boolean is(String word) {
            return text.equalsIgnoreCase(word);
        }

        boolean isAnd() {
            return is("and") || is("&&");
        }

        boolean isOr() {
            return is("or") || is("||");
        }

        boolean isNot() {
            return is("not") || is("!");
        }
    }

    /** Deepest nesting of "(" and "not" accepted, so that a silly expression cannot overflow the stack. */
    static final int MAX_DEPTH = 100;

    private final String expression;
    private final List<Token> tokens;
    private int next;
    private int depth;

    private FilterParser(String expression) {
        this.expression = expression;
        this.tokens = tokenize(expression);
    }

    /** Parses {@code expression}; throws IllegalArgumentException with a one-line message if it is bad. */
    static FilterNode parse(String expression) {
        FilterParser parser = new FilterParser(expression);
        if (parser.tokens.isEmpty()) {
            throw parser.error("empty expression");
        }
        FilterNode root = parser.expr();
        Token extra = parser.peek();
        if (extra != null) {
            if (extra.is(")")) {
                throw parser.error("\")\" at column " + extra.column() + " has no matching \"(\"");
            }
            throw parser.error("expected \"and\" or \"or\" before \"" + extra.text() + "\"");
        }
        return root;
    }

    private List<Token> tokenize(String text) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')' || c == '!') {
                out.add(new Token(String.valueOf(c), i + 1));
                i++;
            } else if (c == '&' || c == '|') {
                if (i + 1 < text.length() && text.charAt(i + 1) == c) {
                    out.add(new Token(text.substring(i, i + 2), i + 1));
                    i += 2;
                } else {
                    throw error("unknown operator \"" + c + "\" at column " + (i + 1) + "; use \""
                            + (c == '&' ? "and\" or \"&&" : "or\" or \"||") + "\"");
                }
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i))
                        && "()!&|".indexOf(text.charAt(i)) < 0) {
                    i++;
                }
                out.add(new Token(text.substring(start, i), start + 1));
            }
        }
        return out;
    }

    // expr := term (("or" | "||") term)*
    private FilterNode expr() {
        List<FilterNode> operands = new ArrayList<>();
        addOperand(operands, term(), false);
        while (peek() != null && peek().isOr()) {
            next++;
            addOperand(operands, term(), false);
        }
        return operands.size() == 1 ? operands.get(0) : new FilterNode.Or(operands.toArray(new FilterNode[0]));
    }

    // term := factor (("and" | "&&") factor)*
    private FilterNode term() {
        List<FilterNode> operands = new ArrayList<>();
        addOperand(operands, factor(), true);
        while (peek() != null && peek().isAnd()) {
            next++;
            addOperand(operands, factor(), true);
        }
        return operands.size() == 1 ? operands.get(0) : new FilterNode.And(operands.toArray(new FilterNode[0]));
    }

    /**
     * Adds an operand to the operands of an and ({@code andList}) or of an or, flattening "a and (b and c)"
     * into one list so that it prints as "a and b and c".
     */
    private static void addOperand(List<FilterNode> operands, FilterNode node, boolean andList) {
        if (andList && node instanceof FilterNode.And and) {
            operands.addAll(List.of(and.operands()));
        } else if (!andList && node instanceof FilterNode.Or or) {
            operands.addAll(List.of(or.operands()));
        } else {
            operands.add(node);
        }
    }

    // factor := ("not" | "!") factor | "(" expr ")" | primitive
    private FilterNode factor() {
        Token token = peek();
        if (token == null) {
            throw error("expected a primitive after \"" + previous().text() + "\"");
        }
        if ((token.isNot() || token.is("(")) && ++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " deep at column " + token.column());
        }
        if (token.isNot()) {
            next++;
            FilterNode operand = factor();
            depth--;
            return new FilterNode.Not(operand);
        }
        if (token.is("(")) {
            next++;
            FilterNode inside = expr();
            depth--;
            Token close = peek();
            if (close == null) {
                throw error("missing \")\" for the \"(\" at column " + token.column());
            }
            if (!close.is(")")) {
                throw error("expected \"and\", \"or\" or \")\" before \"" + close.text() + "\"");
            }
            next++;
            return inside;
        }
        if (!token.isWord() || token.isAnd() || token.isOr()) {
            Token before = previous();
            throw error("expected a primitive" + (before == null ? "" : " after \"" + before.text() + "\"")
                    + ", found \"" + token.text() + "\"");
        }
        return primitive();
    }

    private FilterNode primitive() {
        Token token = tokens.get(next++);
        String keyword = token.text().toLowerCase(Locale.ROOT);
        switch (keyword) {
            case "arp":
                return FilterNode.EtherTypeIs.arp();
            case "ip":
                return FilterNode.EtherTypeIs.ip();
            case "icmp":
                return new FilterNode.ProtocolIs(FilterNode.PROTO_ICMP, "icmp");
            case "vxlan":
                return FilterNode.PortIs.vxlan();
            case "tcp":
            case "udp": {
                int protocol = keyword.equals("tcp") ? FilterNode.PROTO_TCP : FilterNode.PROTO_UDP;
                Direction direction = direction();
                if (direction != null || peekIs("port")) {
                    expectKeyword("port", direction == null ? keyword : previous().text());
                    return new FilterNode.PortIs(orEither(direction), port(), protocol, null);
                }
                return new FilterNode.ProtocolIs(protocol, keyword);
            }
            case "src":
            case "dst": {
                next--;
                Direction direction = direction();
                Token what = peek();
                if (what == null || !(what.is("host") || what.is("net") || what.is("port"))) {
                    throw error("expected \"host\", \"net\" or \"port\" after \"" + token.text() + "\"");
                }
                return qualified(direction);
            }
            case "host":
            case "net":
            case "port":
                next--;
                return qualified(Direction.EITHER);
            case "ether": {
                Direction direction = direction();
                if (direction == null && !peekIs("host")) {
                    throw error("expected \"host\", \"src\" or \"dst\" after \"" + token.text() + "\"");
                }
                if (peekIs("host")) {
                    next++;
                }
                return new FilterNode.EtherHostIs(orEither(direction), mac());
            }
            default:
                if (Character.isDigit(keyword.charAt(0))) {
                    throw error("\"" + token.text() + "\" needs a keyword before it, such as \"host\" or \"port\"");
                }
                throw error("unknown keyword \"" + token.text() + "\"");
        }
    }

    /** {@code host A}, {@code net A/N} or {@code port N}, after an optional direction. */
    private FilterNode qualified(Direction direction) {
        Token token = tokens.get(next++);
        if (token.is("host")) {
            return new FilterNode.HostIs(direction, address(), 32);
        }
        if (token.is("net")) {
            Cidr cidr = cidr();
            return new FilterNode.HostIs(direction, cidr.network().bits(), cidr.prefixLength());
        }
        return new FilterNode.PortIs(direction, port(), -1, null);
    }

    /** Consumes "src" or "dst" if next, and returns it; null if neither is. */
    private Direction direction() {
        if (peekIs("src")) {
            next++;
            return Direction.SRC;
        }
        if (peekIs("dst")) {
            next++;
            return Direction.DST;
        }
        return null;
    }

    private static Direction orEither(Direction direction) {
        return direction == null ? Direction.EITHER : direction;
    }

    private void expectKeyword(String keyword, String after) {
        if (!peekIs(keyword)) {
            throw error("expected \"" + keyword + "\" after \"" + after + "\"");
        }
        next++;
    }

    private int address() {
        String text = operand("an IPv4 address", "0123456789.");
        try {
            return Ipv4Address.parse(text).bits();
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private Cidr cidr() {
        String text = operand("a prefix like 10.244.0.0/16", "0123456789./");
        if (text.indexOf('/') < 0) {
            throw error("expected a prefix like 10.244.0.0/16 after \"net\", found \"" + text + "\"");
        }
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private long mac() {
        String text = operand("a MAC address like 0a:58:0a:f4:01:05", "0123456789abcdefABCDEF:");
        try {
            return MacAddress.parse(text).bits();
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private int port() {
        String text = operand("a port number", "0123456789");
        if (text.length() > 5 || Integer.parseInt(text) > 0xFFFF) {
            throw error("port " + text + " is out of range 0..65535");
        }
        return Integer.parseInt(text);
    }

    /**
     * Takes the operand of the keyword just read, which must be made of {@code alphabet}: otherwise the
     * user wrote something else there ("port x", "host web", "host and"), and the error says what was
     * expected after the keyword.
     */
    private String operand(String what, String alphabet) {
        Token keyword = previous();
        Token token = peek();
        if (token == null || !token.isWord() || !token.text().chars().allMatch(c -> alphabet.indexOf(c) >= 0)) {
            throw error("expected " + what + " after \"" + keyword.text() + "\"");
        }
        next++;
        return token.text();
    }

    private Token peek() {
        return next < tokens.size() ? tokens.get(next) : null;
    }

    private boolean peekIs(String keyword) {
        Token token = peek();
        return token != null && token.is(keyword);
    }

    private Token previous() {
        return next > 0 ? tokens.get(next - 1) : null;
    }

    private IllegalArgumentException error(String why) {
        return new IllegalArgumentException("bad capture filter \"" + expression + "\": " + why);
    }
}
