package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jinja2 features chat templates use, rendered by jinjava; expected strings are what Python's Jinja2 3.1.6
 * renders for the same template with trim_blocks and lstrip_blocks.
 */
class ChatTemplateTest {
    @TempDir
    Path dir;

    private String render(String template, List<ChatMessage> messages) throws Exception {
        Path config = dir.resolve("tokenizer_config.json");
        new ObjectMapper().writeValue(config.toFile(), Map.of("chat_template", template, "bos_token",
                Map.of("content", "<s>"), "eos_token", "</s>"));
        return ChatTemplate.load(config).render(messages, true);
    }

    private static final List<ChatMessage> TWO = List.of(new ChatMessage("system", "  sys\n"),
            ChatMessage.user("<q>a</think>b\n"));

    @Test
    void pythonStringMethods() throws Exception {
        assertEquals("[sys][sys\n][  sys][True][b\n][a][<Q>A</THINK>B\n][<Q>A</Think>B\n]", render("[{{ messages[0].content.strip() }}]"
                + "[{{ messages[0].content.lstrip() }}][{{ messages[0].content.rstrip() }}]"
                + "[{{ messages[1].content.startswith('<q>') }}][{{ messages[1].content.split('</think>')[-1] }}]"
                + "[{{ messages[1].content.split('</think>')[0].lstrip('<q>') }}]"
                + "[{{ messages[1].content.upper() }}][{{ messages[1].content.title() }}]", TWO)
                .replace("true", "True"));
        assertEquals("a|b||c", String.join("|", PythonStringMethods.split("a--b----c", "--", -1)));
        assertEquals("a|b--c", String.join("|", PythonStringMethods.split("a--b--c", "--", 1)));
        assertEquals("x|y", String.join("|", PythonStringMethods.split("  x \n y ", null, -1)));
    }

    @Test
    void reversedSlicesAndNamespaces() throws Exception {
        String template = "{% set ns = namespace(last=messages|length - 1, seen=false) %}"
                + "{% for m in messages[::-1] %}{% if not ns.seen and m.role == 'user' %}{% set ns.seen = true %}"
                + "{% set ns.last = (messages|length - 1) - loop.index0 %}{% endif %}{{ m.role }},{% endfor %}"
                + "{{ ns.last }}";
        assertEquals("user,system,1", render(template, TWO));
        assertEquals("{% for m in (messages|reverse) %}", ChatTemplate.forJinjava("{% for m in messages[::-1] %}"));
        assertEquals("namespace(a=(x|length - 1), b=(f(1, 2)), c=('a,b'))", ChatTemplate.forJinjava(
                "namespace(a=x|length - 1, b=f(1, 2), c='a,b')"));
        assertEquals("namespace(a=(b == c))", ChatTemplate.forJinjava("namespace(a=b == c)"));
    }

    @Test
    void whitespaceControlAndSpecialTokens() throws Exception {
        String template = "{{ bos_token }}\n{%- for m in messages %}\n    {{- '[' + m.role + ']' + m.content | trim }}\n"
                + "{%- endfor %}\n{%- if add_generation_prompt %}{{ '[assistant]' }}{% endif %}{{ eos_token }}";
        assertEquals("<s>[system]sys[user]<q>a</think>b[assistant]</s>", render(template, TWO));
    }

    @Test
    void templatesThatRefuseOrFail() throws Exception {
        String message = assertThrows(IllegalArgumentException.class, () -> render(
                "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must start with user') }}"
                        + "{% endif %}", TWO)).getMessage();
        assertTrue(message.contains("Conversation roles must start with user"), message);
        String broken = assertThrows(IllegalArgumentException.class, () -> render("{% for m in messages %}", TWO))
                .getMessage();
        assertTrue(broken.contains("tokenizer_config.json") && broken.contains("chat_template cannot be rendered"),
                broken);
    }

    @Test
    void namedTemplateLists() throws Exception {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"}, "
                + "{\"name\": \"default\", \"template\": \"D{{ messages|length }}\"}]}");
        assertEquals("D2", ChatTemplate.load(config).render(TWO, false));
    }
}
