package dev.vnet.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorTest {
    static Selector expr(String key, String op, String... values) {
        return Selector.compile(new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op)
                .withValues(values).endMatchExpression().build());
    }

    final Map<String, String> web = Map.of("app", "web", "tier", "front");
    final Map<String, String> none = Map.of();

    @Test
    void eachOperator() {
        assertTrue(expr("app", "In", "web", "api").matches(web));
        assertFalse(expr("app", "In", "api").matches(web));
        assertFalse(expr("app", "In", "web").matches(none));
        assertFalse(expr("app", "NotIn", "web").matches(web));
        assertTrue(expr("app", "NotIn", "api").matches(web));
        assertTrue(expr("app", "NotIn", "web").matches(none), "NotIn matches a pod without the key");
        assertTrue(expr("tier", "Exists").matches(web));
        assertFalse(expr("tier", "Exists").matches(none));
        assertFalse(expr("tier", "DoesNotExist").matches(web));
        assertTrue(expr("tier", "DoesNotExist").matches(none));
        assertFalse(expr("tier", "Like", "front").matches(web), "an unknown operator matches nothing");
    }

    @Test
    void matchLabelsAreEqualityAndEverythingIsAnded() {
        Selector s = Selector.compile(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "web"))
                .addNewMatchExpression().withKey("tier").withOperator("Exists").endMatchExpression().build());
        assertTrue(s.matches(web));
        assertFalse(s.matches(Map.of("app", "web")));
        assertFalse(s.matches(Map.of("app", "api", "tier", "front")));
        assertEquals("app=web,tier", s.toString());
    }

    @Test
    void emptySelectsAllNullIsTheCallers() {
        assertSame(Selector.ALL, Selector.compile(new LabelSelector()));
        assertTrue(Selector.ALL.matches(none));
        assertTrue(Selector.ALL.selectsAll());
        assertEquals("{}", Selector.ALL.toString());
        assertNull(Selector.compile(null));
    }
}
