package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jinja2 features chat templates use, rendered by jinjava; expected strings are what Python's Jinja2 3.1.6
 * renders for the same template in the environment transformers 4.5x renders chat templates in
 * (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its json.dumps tojson filter), and are
 * compared as they are.
 */
class ChatTemplateTest {
    @TempDir
    Path dir;

    private String render(String template, List<ChatMessage> messages) throws Exception {
        return render(template, messages, Map.of());
    }

    private String render(String template, List<ChatMessage> messages, Map<String, ?> variables) throws Exception {
        Path config = dir.resolve("tokenizer_config.json");
        new ObjectMapper().writeValue(config.toFile(), Map.of("chat_template", template, "bos_token",
                Map.of("content", "<s>"), "eos_token", "</s>"));
        return ChatTemplate.load(config).render(messages, true, variables);
    }

    private static final List<ChatMessage> TWO = List.of(new ChatMessage("system", "  sys\n"),
            ChatMessage.user("<q>a</think>b\n"));

    @Test
    void pythonStringMethods() throws Exception {
        assertEquals("[sys][sys\n][  sys][True][b\n][a][<Q>A</THINK>B\n][<Q>A</Think>B\n]", render("[{{ messages[0].content.strip() }}]"
                + "[{{ messages[0].content.lstrip() }}][{{ messages[0].content.rstrip() }}]"
                + "[{{ messages[1].content.startswith('<q>') }}][{{ messages[1].content.split('</think>')[-1] }}]"
                + "[{{ messages[1].content.split('</think>')[0].lstrip('<q>') }}]"
                + "[{{ messages[1].content.upper() }}][{{ messages[1].content.title() }}]", TWO));
        assertEquals("a|b||c", String.join("|", PythonStringMethods.split("a--b----c", "--", -1)));
        assertEquals("a|b--c", String.join("|", PythonStringMethods.split("a--b--c", "--", 1)));
        assertEquals("x|y", String.join("|", PythonStringMethods.split("  x \n y ", null, -1)));
    }

    @Test
    void booleansPrintAsPython() throws Exception {
        assertEquals("True|True|False|False|True", render("{{ flag }}|{{ true }}|{{ False }}|{{ 1 == 2 }}"
                + "|{{ messages[1].content.startswith('<q>') }}", TWO, Map.of("flag", true)));
        assertEquals("aTrueNone1|True|FalseNone|4", render("{{ 'a' ~ true ~ none ~ undefined_name ~ 1 }}"
                + "|{{ (1 == 1) ~ '' }}|{{ false|string }}{{ none|string }}|{{ (true|string)|length }}", TWO));
    }

    @Test
    void noneIsNotUndefined() throws Exception {
        assertEquals("None|None||None", render("{{ none }}|{{ None }}|{{ undefined_name }}|{% set x = none %}{{ x }}",
                TWO));
        // jinjava cannot tell an undefined name from None in `is none` (Jinja2 says False there), so that is left out
        assertEquals("y|True|True|False|None|d|True|True", render("{% if none %}x{% else %}y{% endif %}"
                + "|{{ none is none }}|{{ none is defined }}|{{ undefined_name is defined }}|{{ none|default('d') }}"
                + "|{{ undefined_name|default('d') }}|{{ not none }}|{{ none == none }}", TWO));
        // Llama 3.1's opening: tools set to none when not passed
        assertEquals("NNone|True", render("{% if not tools is defined %}{% set tools = none %}{% endif %}"
                + "{% if tools is not none %}T{% else %}N{% endif %}{{ tools }}|{% if not tools is none %}x{% endif %}"
                + "{{ tools == none }}", TWO));
    }

    @Test
    void containersPrintAsPythonAndJsonStaysJson() throws Exception {
        assertEquals("[True, None, \"it's\", 'x\\ny', 1]|{'k': False}|{'role': 'user', 'content': '<q>a</think>b\\n'}",
                render("{{ [true, none, \"it's\", 'x\\ny', 1] }}|{{ {'k': false} }}|{{ messages[1] }}", TWO));
        assertEquals("{\"a\": false, \"b\": null}|[true, null, \"\u00e9\"]|true", render(
                "{{ {'a': false, 'b': none}|tojson }}|{{ [true, none, '\u00e9']|tojson }}|{{ flag|tojson }}", TWO,
                Map.of("flag", true)));
        String indent = assertThrows(IllegalArgumentException.class, () -> render("{{ messages|tojson(indent=2) }}",
                TWO)).getMessage();
        assertTrue(indent.contains("tojson with arguments"), indent);
    }

    /** The real templates in ../shared with the flags apply_chat_template passes; Jinja2's output for each. */
    @Test
    void sharedTemplatesWithFlags() throws Exception {
        List<ChatMessage> conversation = List.of(new ChatMessage("system", "Be brief."),
                ChatMessage.user("What is your favourite animal?"),
                new ChatMessage("assistant", "<think>\nhmm\n</think>\n\nDogs."), ChatMessage.user("Why?"));
        ChatTemplate qwen3 = shared("qwen3");
        String qwenTurns = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is your favourite animal?"
                + "<|im_end|>\n<|im_start|>assistant\nDogs.<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n";
        assertEquals(qwenTurns, qwen3.render(conversation, false));
        assertEquals(qwenTurns + "<|im_start|>assistant\n<think>\n\n</think>\n\n", qwen3.render(conversation, true,
                Map.of("enable_thinking", false)));
        assertEquals(qwenTurns + "<|im_start|>assistant\n", qwen3.render(conversation, true,
                Map.of("enable_thinking", true)));
        assertEquals("<bos><start_of_turn>user\nBe brief.\n\nWhat is your favourite animal?<end_of_turn>\n"
                + "<start_of_turn>model\n<think>\nhmm\n</think>\n\nDogs.<end_of_turn>\n<start_of_turn>user\nWhy?"
                + "<end_of_turn>\n", shared("gemma3").render(conversation, false, Map.of("enable_thinking", false)));
        // this Llama-3 template appends the assistant header whatever add_generation_prompt says
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is your favourite animal?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n<think>\nhmm\n</think>\n\nDogs.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhy?<|eot_id|><|start_header_id|>assistant"
                + "<|end_header_id|>\n\n", shared("llama3").render(conversation, false));
    }

    private static ChatTemplate shared(String model) throws Exception {
        return ChatTemplate.load(SharedFiles.sharedFile("tokenizers/" + model + "/tokenizer_config.json",
                model + " tokenizer_config.json"));
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
