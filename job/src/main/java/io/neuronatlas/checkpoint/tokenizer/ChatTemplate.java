package io.neuronatlas.checkpoint.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.neuronatlas.checkpoint.files.InputFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * An Instruct model's chat template (tokenizer_config.json's {@code chat_template}) rendered with jinjava the way
 * transformers' apply_chat_template renders it with Python's Jinja2: trim_blocks and lstrip_blocks, the variables
 * messages, add_generation_prompt, bos_token and eos_token, and the functions raise_exception and strftime_now.
 * Values print as Python writes them (True, False, None; {@link PythonJinjava}).
 *
 * <p>Templates are written for Jinja2 and call Python; what jinjava lacks is bridged explicitly: Python str methods
 * ({@link PythonStringMethods}), the reversed slice {@code xs[::-1]} (rewritten to {@code xs|reverse}) and keyword
 * arguments of namespace(...) whose values are expressions (parenthesised, as jinjava otherwise binds the name to
 * the first operand). A template jinjava still cannot render fails with its error, never with half a prompt.
 */
public final class ChatTemplate {
    public static final String CONFIG = "tokenizer_config.json";

    private static final Pattern REVERSED = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[::-1\\]");

    private final Path source;
    private final String template;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(Path source, String template, String bosToken, String eosToken) {
        this.source = source;
        this.template = template;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /**
     * tokenizer_config.json, read whole but bounded: chat templates are KBs, and Llama-3's file with its
     * added_tokens_decoder is about 50 KB.
     */
    static JsonNode readConfig(Path tokenizerConfig) throws IOException {
        byte[] bytes = InputFile.readRegular(tokenizerConfig, MAX_CONFIG_BYTES, "a " + CONFIG);
        try {
            return new ObjectMapper().readTree(bytes);
        } catch (IOException e) {
            throw new TokenizerFormatException(tokenizerConfig, "is not valid JSON: " + e.getMessage());
        }
    }

    /** More than any real tokenizer_config.json needs. */
    static final long MAX_CONFIG_BYTES = 4 * InputFile.MIB;

    /**
     * Reads tokenizer_config.json's chat_template, bos_token and eos_token.
     *
     * @throws TokenizerFormatException when the file is missing or has no chat template: a base model, which has
     *     no chat format to follow
     */
    public static ChatTemplate load(Path tokenizerConfig) throws IOException {
        if (!Files.isRegularFile(tokenizerConfig)) {
            throw new TokenizerFormatException(tokenizerConfig, "not found: --chat needs the model's "
                    + CONFIG + " with a chat_template (Instruct models have one)");
        }
        JsonNode root = readConfig(tokenizerConfig);
        JsonNode template = root.path("chat_template");
        if (template.isArray()) {
            template = namedTemplate(template, "default");
        }
        if (!template.isTextual() || template.asText().isBlank()) {
            throw new TokenizerFormatException(tokenizerConfig, "has no chat_template, so --chat cannot format a "
                    + "conversation: this looks like a base model; prompt it with plain text instead");
        }
        return new ChatTemplate(tokenizerConfig, template.asText(), tokenText(root.get("bos_token")),
                tokenText(root.get("eos_token")));
    }

    private static JsonNode namedTemplate(JsonNode templates, String name) {
        for (JsonNode t : templates) {
            if (name.equals(t.path("name").asText())) {
                return t.path("template");
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    /** A special token as tokenizer_config.json writes it: a string, {"content": ...} or null. */
    static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isObject() ? node.path("content").asText("") : node.asText("");
    }

    /**
     * The conversation as the model was trained to see it; with addGenerationPrompt, ends where the assistant's
     * reply begins.
     *
     * @throws IllegalArgumentException naming tokenizer_config.json and the template's error
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * As {@link #render(List, boolean)}, with further template variables, as apply_chat_template passes its keyword
     * arguments (Qwen3's enable_thinking, say).
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        List<Map<String, Object>> turns = new ArrayList<>();
        for (ChatMessage m : messages) {
            turns.add(m.asTemplateValue());
        }
        Map<String, Object> context = new HashMap<>(variables);
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = jinjava().renderForResult(forJinjava(template), context);
        for (TemplateError error : result.getErrors()) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof Refusal) {
                    throw new IllegalArgumentException(source + ": the chat template refused the conversation: "
                            + t.getMessage());
                }
            }
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException(source + ": chat_template cannot be rendered: "
                        + error.getMessage() + (error.getLineno() > 0 ? " (template line " + error.getLineno() + ")"
                        : ""));
            }
        }
        return result.getOutput();
    }

    private static Jinjava jinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig.Builder config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .build());
        Jinjava jinjava = new PythonJinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
        return jinjava;
    }

    /** What templates call to refuse a conversation, e.g. roles that do not alternate. */
    public static String raiseException(String message) {
        throw new Refusal(message);
    }

    /** raise_exception's message, carried through jinjava's error wrapping to {@link #render}'s caller. */
    private static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message);
        }
    }

    /** Today's date in the strftime directives templates use (Llama-3.1: "%d %b %Y"). */
    public static String strftimeNow(String format) {
        LocalDate today = LocalDate.now();
        String[][] directives = {{"%d", "dd"}, {"%b", "MMM"}, {"%B", "MMMM"}, {"%Y", "yyyy"}, {"%m", "MM"},
            {"%y", "yy"}, {"%A", "EEEE"}, {"%a", "EEE"}};
        String out = format;
        for (String[] d : directives) {
            out = out.replace(d[0], today.format(DateTimeFormatter.ofPattern(d[1], Locale.ENGLISH)));
        }
        return out;
    }

    /** Rewrites the two Jinja2 constructs jinjava parses differently; see the class comment. */
    static String forJinjava(String template) {
        Matcher reversed = REVERSED.matcher(template);
        String out = reversed.replaceAll("($1|reverse)");
        return parenthesiseNamespaceArguments(out);
    }

    private static String parenthesiseNamespaceArguments(String template) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        while ((at = template.indexOf("namespace(", from)) >= 0) {
            int open = at + "namespace(".length();
            int close = matchingParenthesis(template, open);
            if (close < 0) {
                break;
            }
            out.append(template, from, open);
            List<String> arguments = topLevelArguments(template.substring(open, close));
            for (int i = 0; i < arguments.size(); i++) {
                String argument = arguments.get(i);
                int eq = keywordEquals(argument);
                out.append(i == 0 ? "" : ",").append(eq < 0 ? argument : argument.substring(0, eq + 1) + "("
                        + argument.substring(eq + 1).trim() + ")");
            }
            from = close;
        }
        return out.append(template.substring(from)).toString();
    }

    /** Index of the ')' closing the '(' before start, or -1 when unbalanced. */
    private static int matchingParenthesis(String s, int start) {
        int[] close = {-1};
        walk(s, start, (i, c, depth) -> {
            if (depth < 0) {
                close[0] = c == ')' ? i : -1;
                return false;
            }
            return true;
        });
        return close[0];
    }

    /** s split at its top-level commas. */
    private static List<String> topLevelArguments(String s) {
        List<String> parts = new ArrayList<>();
        int[] start = {0};
        walk(s, 0, (i, c, depth) -> {
            if (c == ',' && depth == 0) {
                parts.add(s.substring(start[0], i));
                start[0] = i + 1;
            }
            return true;
        });
        parts.add(s.substring(start[0]));
        return parts;
    }

    /** Sees each character outside quoted strings with the bracket depth after it; false stops the walk. */
    @FunctionalInterface
    private interface CharVisitor {
        boolean visit(int index, char c, int depth);
    }

    private static void walk(String s, int from, CharVisitor visitor) {
        int depth = 0;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
            if (!visitor.visit(i, c, depth)) {
                return;
            }
        }
    }

    /** The '=' of "name=value" (not of ==, !=, <=, >=), or -1. */
    private static int keywordEquals(String argument) {
        Matcher m = Pattern.compile("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)").matcher(argument);
        return m.find() ? m.end() - 1 : -1;
    }
}
