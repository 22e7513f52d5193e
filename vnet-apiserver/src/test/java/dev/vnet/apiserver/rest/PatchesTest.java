package dev.vnet.apiserver.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vnet.apiserver.api.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PatchesTest {
    private static JsonNode j(String s) {
        return Json.MAPPER.readTree(s.replace('\'', '"'));
    }

    @Test
    void mergePatchReplacesListsAndRemovesNulls() {
        assertEquals(j("{'a':{'c':2},'l':[3]}"), Patches.mergePatch(j("{'a':{'b':1,'c':1},'l':[1,2]}"),
                j("{'a':{'b':null,'c':2},'l':[3]}")));
    }

    @Test
    void strategicMergeMergesListsByTheirKeyAndHonoursDirectives() throws Exception {
        JsonNode pod = j("{'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'E','value':'1'}]},"
                + "{'name':'b','image':'y'}],'tolerations':[{'key':'k'}]}}");
        JsonNode out = Patches.strategicMerge(pod, j("{'spec':{'$setElementOrder/containers':[{'name':'a'},"
                + "{'name':'b'}],'containers':[{'name':'a','env':[{'name':'F','value':'2'}]},"
                + "{'name':'b','$patch':'delete'},{'name':'c','image':'z'}],'tolerations':[{'key':'j'}]}}"));
        assertEquals(j("{'spec':{'containers':[{'name':'a','image':'x','env':[{'name':'E','value':'1'},"
                + "{'name':'F','value':'2'}]},{'name':'c','image':'z'}],'tolerations':[{'key':'j'}]}}"), out,
                "containers and env merge by name; a list without a merge key is replaced");
        JsonNode svc = j("{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}");
        assertEquals(j("{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}"),
                Patches.strategicMerge(svc, j("{'spec':{'ports':[{'port':80,'targetPort':9090}]}}")));
        assertEquals(j("{'metadata':{'finalizers':['b']}}"), Patches.strategicMerge(
                j("{'metadata':{'finalizers':['a','b']}}"),
                j("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a']}}")));
        assertThrows(KubeStatus.class, () -> Patches.strategicMerge(pod, j("{'spec':{'containers':[{'image':'q'}]}}")));
    }

    @Test
    void jsonPatchDoesTheSixOperations() throws Exception {
        JsonNode out = Patches.jsonPatch(j("{'a':[1,2],'b':{'c':1}}"), j("[{'op':'add','path':'/a/1','value':9},"
                + "{'op':'replace','path':'/b/c','value':2},{'op':'copy','from':'/b','path':'/d'},"
                + "{'op':'move','from':'/d/c','path':'/e'},{'op':'remove','path':'/a/0'},"
                + "{'op':'test','path':'/e','value':2}]"));
        assertEquals(j("{'a':[9,2],'b':{'c':2},'d':{},'e':2}"), out);
        assertEquals(422, assertThrows(KubeStatus.class, () -> Patches.jsonPatch(j("{}"),
                j("[{'op':'test','path':'/x','value':1}]"))).code);
    }
}
