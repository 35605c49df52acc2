package io.neuronatlas.checkpoint.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.testing.SharedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoding and chat formats with the real tokenizers in ../shared (never copied into the repository; copies for a
 * test go to a temporary folder). Ids come from an independent source: merges applied by {@link ReferenceBpe}, and
 * the ids ../shared/tokenizers/README.md states. Expected chat renderings are Python Jinja2 3.1.6's output for these
 * templates with transformers' settings (trim_blocks, lstrip_blocks).
 */
class SharedTokenizerEncodingTest {
    @TempDir
    Path dir;

    private Path shared(String model) throws Exception {
        Path tokenizer = SharedFiles.sharedFile("tokenizers/" + model + "/tokenizer.json", model + " tokenizer");
        Path folder = dir.resolve(model);
        Files.createDirectories(folder);
        Files.copy(tokenizer, folder.resolve("tokenizer.json"));
        Path config = tokenizer.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            Files.copy(config, folder.resolve("tokenizer_config.json"));
        }
        return folder;
    }

    @Test
    void llama3ByteLevelWithoutBos() throws Exception {
        Path llama3 = shared("llama3");
        ReferenceBpe bpe = new ReferenceBpe(llama3.resolve("tokenizer.json"));
        try (PromptEncoder encoder = PromptEncoder.open(llama3, 128_256)) {
            int[] ids = encoder.encode("My favourite animal is");
            assertArrayEquals(new int[] {5159, 19214, 10065, 374}, ids, "README / notes ids, no BOS");
            int[] derived = IntStream.concat(IntStream.concat(IntStream.of(bpe.encode("My")),
                    IntStream.of(bpe.encode(" favourite"))), IntStream.concat(IntStream.of(bpe.encode(" animal")),
                    IntStream.of(bpe.encode(" is")))).toArray();
            assertArrayEquals(derived, ids, "merges applied by hand");
            assertArrayEquals(new int[] {40, 3974, 304}, encoder.encode("I live in"));
            assertEquals(5679, encoder.targetToken(" dog"));
            assertArrayEquals(bpe.encode(" dog"), new int[] {encoder.targetToken(" dog")});
            assertEquals(7188, encoder.targetToken(" California"));
            assertEquals(128000, encoder.encode("<|begin_of_text|>Hi")[0], "special tokens in text are parsed");
        }
    }

    /** Llama-3.1's tokenizer.json adds <|begin_of_text|> in its post-processor; this file is Llama-3's with it. */
    @Test
    void llama31PostProcessorAddsBos() throws Exception {
        Path llama3 = shared("llama3");
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(llama3.resolve("tokenizer.json").toFile());
        root.set("post_processor", json.readTree("{\"type\": \"TemplateProcessing\", \"single\": [{\"SpecialToken\": "
                + "{\"id\": \"<|begin_of_text|>\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
                + " \"pair\": [{\"SpecialToken\": {\"id\": \"<|begin_of_text|>\", \"type_id\": 0}}, {\"Sequence\": "
                + "{\"id\": \"A\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}], "
                + "\"special_tokens\": {\"<|begin_of_text|>\": {\"id\": \"<|begin_of_text|>\", \"ids\": [128000], "
                + "\"tokens\": [\"<|begin_of_text|>\"]}}}"));
        json.writeValue(llama3.resolve("tokenizer.json").toFile(), root);
        try (PromptEncoder encoder = PromptEncoder.open(llama3, 128_256)) {
            assertArrayEquals(new int[] {128000, 5159, 19214, 10065, 374}, encoder.encode("My favourite animal is"));
        }
    }

    /** SentencePiece with byte fallback: BOS <s> once, " dog" from the vocabulary although it encodes as 2 pieces. */
    @Test
    void mistralSentencePieceAddsBos() throws Exception {
        Path mistral = shared("mistral");
        try (PromptEncoder encoder = PromptEncoder.open(mistral, 32_000)) {
            int[] ids = encoder.encode("My favourite animal is");
            assertEquals(1, ids[0]);
            assertEquals(1, IntStream.of(ids).filter(i -> i == 1).count());
            assertEquals(3914, encoder.targetToken(" dog"));
            assertEquals(" dog", encoder.token(3914));
            assertEquals("My favourite animal is", encoder.decode(ids, true));
            String chat = assertThrows(TokenizerFormatException.class,
                    () -> encoder.encodeChat(List.of(ChatMessage.user("Hi")))).getMessage();
            assertTrue(chat.contains("has no chat_template"), chat);
        }
        // add_bos_token false overrides the post-processor, as transformers' Llama tokenizers do.
        Path config = mistral.resolve("tokenizer_config.json");
        Files.writeString(config, Files.readString(config).replace("\"add_bos_token\": true",
                "\"add_bos_token\": false"));
        try (PromptEncoder encoder = PromptEncoder.open(mistral, 32_000)) {
            int[] ids = encoder.encode("My favourite animal is");
            assertTrue(ids[0] != 1, "no BOS when add_bos_token is false");
        }
    }

    @Test
    void llama3ChatTemplate() throws Exception {
        Path llama3 = shared("llama3");
        try (PromptEncoder encoder = PromptEncoder.open(llama3, 128_256)) {
            ChatTemplate template = ChatTemplate.load(llama3.resolve("tokenizer_config.json"));
            assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is your favourite "
                    + "animal?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                    template.render(List.of(ChatMessage.user("What is your favourite animal?")), true));
            int[] ids = encoder.encodeChat(List.of(ChatMessage.user("What is your favourite animal?")));
            assertEquals(128000, ids[0]);
            assertEquals(1, IntStream.of(ids).filter(i -> i == 128000).count(), "BOS from the template only");
            assertEquals(128006, ids[1], "<|start_header_id|>");
            assertEquals(271, ids[ids.length - 1], "ends with the assistant header's blank line");
            assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                    + "<|start_header_id|>user<|end_header_id|>\n\nWhat is your favourite animal?<|eot_id|>"
                    + "<|start_header_id|>assistant<|end_header_id|>\n\n<think>\nhmm\n</think>\n\nDogs.<|eot_id|>"
                    + "<|start_header_id|>user<|end_header_id|>\n\nWhy?<|eot_id|><|start_header_id|>assistant"
                    + "<|end_header_id|>\n\n", template.render(conversation(), true));
        }
    }

    @Test
    void qwen3ChatTemplate() throws Exception {
        Path qwen3 = shared("qwen3");
        ChatTemplate template = ChatTemplate.load(qwen3.resolve("tokenizer_config.json"));
        assertEquals("<|im_start|>user\nWhat is your favourite animal?<|im_end|>\n<|im_start|>assistant\n",
                template.render(List.of(ChatMessage.user("What is your favourite animal?")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is your favourite animal?"
                + "<|im_end|>\n<|im_start|>assistant\nDogs.<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n"
                + "<|im_start|>assistant\n", template.render(conversation(), true));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\nA.<|im_end|>\n",
                template.render(List.of(ChatMessage.user("Hi"), new ChatMessage("assistant",
                        "<think>\nr\n</think>\n\nA.")), false));
        assertEquals("<|im_start|>user\n<tool_response>x</tool_response><|im_end|>\n<|im_start|>user\n  Why?  "
                + "<|im_end|>\n<|im_start|>assistant\n", template.render(List.of(ChatMessage.user(
                        "<tool_response>x</tool_response>"), ChatMessage.user("  Why?  ")), true));
        try (PromptEncoder encoder = PromptEncoder.open(qwen3, 151_936)) {
            int[] ids = encoder.encodeChat(List.of(ChatMessage.user("What is your favourite animal?")));
            assertEquals(encoder.targetToken("<|im_start|>"), ids[0], "no BOS: Qwen has none");
            assertEquals(5562, encoder.targetToken(" dog"));
        }
    }

    @Test
    void gemma3ChatTemplate() throws Exception {
        Path gemma3 = shared("gemma3");
        ChatTemplate template = ChatTemplate.load(gemma3.resolve("tokenizer_config.json"));
        assertEquals("<bos><start_of_turn>user\nBe brief.\n\nWhat is your favourite animal?<end_of_turn>\n"
                + "<start_of_turn>model\n<think>\nhmm\n</think>\n\nDogs.<end_of_turn>\n<start_of_turn>user\nWhy?"
                + "<end_of_turn>\n<start_of_turn>model\n", template.render(conversation(), true));
    }

    private static List<ChatMessage> conversation() {
        return List.of(new ChatMessage("system", "Be brief."), ChatMessage.user("What is your favourite animal?"),
                new ChatMessage("assistant", "<think>\nhmm\n</think>\n\nDogs."), ChatMessage.user("Why?"));
    }
}
