package io.neuronatlas.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.neuronatlas.checkpoint.Checkpoint;
import io.neuronatlas.checkpoint.RopeScaling;
import io.neuronatlas.checkpoint.safetensors.DType;
import io.neuronatlas.checkpoint.synthetic.SyntheticDecoder;
import io.neuronatlas.checkpoint.tokenizer.TokenizerJsonWriter;
import io.neuronatlas.testing.Cli;
import io.neuronatlas.testing.Cli.Result;
import io.neuronatlas.query.Atlas;
import io.neuronatlas.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * clamp on a decoder whose vocabulary, like every SentencePiece vocabulary with byte fallback, holds the piece "y" and
 * the byte piece {@code <0x79>} with a lower id: a neuron planted to write the piece's unembedding row makes the piece
 * the model's top-1 token when clamped high. --target "y" must follow that id (target rank 1 at the top clamp value);
 * the byte piece, asked for with --target-id, stays improbable: the lowest id rendering "y" is not what the model
 * predicts.
 */
class TargetTokensTest {
    static final String PROMPT = "hello there is";

    @TempDir
    static Path dir;
    static Path model;
    static int piece;
    static final int BYTE_Y = 3 + 0x79; // <0x00> is id 3, after three control pieces, as in Llama-2's vocabulary

    @BeforeAll
    static void decoderWithAByteFallbackVocabulary() throws Exception {
        // The planted neuron writes " woman"'s head row; that id then becomes the piece "y" of a SentencePiece file.
        SyntheticDecoder.Written written = new SyntheticDecoder().layers(2).dModel(32).dMlp(48).heads(4, 2)
                .vocab(512).dtype(DType.F32).rope(10000, RopeScaling.NONE).seed(3)
                .plant(new SyntheticDecoder.CausalNeuron(1, 5, " is", " woman", 1.0, 0.5)).write(dir.resolve("model"));
        model = written.dir();
        piece = written.id(" woman");
        assertTrue(piece > BYTE_Y, "the piece must come after the byte pieces, as in a real vocabulary");
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<pad>", "<ctl>"));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        while (pieces.size() < 510) {
            pieces.add(pieces.size() == piece ? "y" : "\u2581w" + pieces.size());
        }
        TokenizerJsonWriter.writeSentencePiece(model.resolve(Checkpoint.TOKENIZER), pieces,
                List.of(SyntheticDecoder.BOS, SyntheticDecoder.EOS));
    }

    private static Result clamp(String... target) {
        List<String> args = new ArrayList<>(List.of("clamp", "--model", model.toString(), "--neuron", "L1.5",
                "--prompt", PROMPT, "--values", "0:100:2"));
        args.addAll(List.of(target));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void theTargetIsThePieceTheModelPredictsNotItsByteTwin() throws Exception {
        Result table = clamp("--target", "y");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("target \"y\" (id " + piece + ")"), table.out());
        assertTrue(table.out().contains("id " + BYTE_Y + " (byte <0x79>) also renders \"y\""), table.out());

        Result json = clamp("--target", "y", "--format", "json");
        assertEquals(0, json.code(), json.err());
        List<JsonNode> rows = ForwardCommandsTest.jsonLines(json.out());
        JsonNode high = rows.get(1);
        assertEquals(100.0, high.get("value").asDouble());
        assertEquals(1, high.get("target_rank").asInt(), "clamped high, the model's top-1 is the resolved id");
        assertTrue(high.get("target_prob").asDouble() > 0.1, json.out()); // 0.20: the final norm bounds the logits
        assertEquals(high.get("top1_prob").asDouble(), high.get("target_prob").asDouble(), 1e-12);
        assertTrue(json.err().contains("also renders \"y\""), "the note goes to stderr beside JSON: " + json.err());

        Result byteTwin = clamp("--target-id", Integer.toString(BYTE_Y), "--format", "json");
        assertEquals(0, byteTwin.code(), byteTwin.err());
        JsonNode twin = ForwardCommandsTest.jsonLines(byteTwin.out()).get(1);
        assertNotEquals(1, twin.get("target_rank").asInt(), byteTwin.out());
        assertTrue(twin.get("target_prob").asDouble() < 0.01, byteTwin.out());
    }

    /**
     * map --watch "y" watches the piece; the tokens table names each id's kind; find-token --token-id lists that id
     * alone, and find-token "y" says which ids render it; validate --token-id clamps that id.
     */
    @Test
    void mapFindTokenAndValidateUseTheSameRule() throws Exception {
        String atlas = dir.resolve("atlas").toString();
        Result map = Cli.run("map", "--model", model.toString(), "--out", atlas, "--watch", "y", "--top-k", "5");
        assertEquals(0, map.code(), map.out() + map.err());
        Result exact = Cli.run("find-token", "--atlas", atlas, "--token-id", Integer.toString(piece), "--format",
                "json");
        assertEquals(0, exact.code(), exact.err());
        List<JsonNode> rows = ForwardCommandsTest.jsonLines(exact.out());
        assertTrue(rows.stream().anyMatch(r -> r.get("neuron_id").asText().equals("L1.down.5")),
                "the planted neuron writes the piece: " + exact.out());
        assertTrue(rows.stream().allMatch(r -> r.get("token_id").asInt() == piece), exact.out());
        Result variants = Cli.run("find-token", "--atlas", atlas, "y");
        assertEquals(0, variants.code(), variants.err());
        assertTrue(variants.out().contains("ids " + piece + " (piece), " + BYTE_Y + " (byte) all render \"y\""),
                variants.out());
        Result neither = Cli.run("find-token", "--atlas", atlas);
        assertTrue(neither.err().contains("give either TOKEN or --token-id N"), neither.err());

        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, PROMPT + "\n");
        Result validate = Cli.run("validate", "--atlas", atlas, "--model", model.toString(), "--token-id",
                Integer.toString(piece), "--prompts", prompts.toString(), "--candidates", "2", "--values", "0:100:2",
                "--format", "csv");
        assertEquals(0, validate.code(), validate.err());
        assertTrue(validate.err().contains("token 'y' (id " + piece + ")"), validate.err());
        assertTrue(validate.err().contains("id " + BYTE_Y + " (byte <0x79>) also renders \"y\""), validate.err());
        Atlas opened = Atlas.open(TestSpark.session(), atlas);
        assertEquals(List.of(piece), opened.sql("SELECT DISTINCT token_id FROM token_profiles").as(Encoders.INT())
                .collectAsList());
        List<Row> kinds = opened.sql("SELECT token_id, kind FROM tokens WHERE token_id IN (" + BYTE_Y + ", " + piece
                + ", 510) ORDER BY token_id").collectAsList();
        assertEquals(List.of(BYTE_Y + ":byte", piece + ":piece", "510:added"), kinds.stream()
                .map(r -> r.getInt(0) + ":" + r.getString(1)).toList());
        assertEquals(List.of(piece), opened.sql("SELECT DISTINCT target_id FROM neuron_validation").as(Encoders.INT())
                .collectAsList());
    }

    @Test
    void badTargetsAreRefusedByName() {
        Result bytesOnly = clamp("--target", "é");
        assertNotEquals(0, bytesOnly.code());
        // é is UTF-8 C3 A9: byte pieces 3 + 0xC3 and 3 + 0xA9.
        assertTrue(bytesOnly.err().contains("--target 'é' is not one token of this vocabulary: it encodes as 2 "
                + "tokens ['<0xC3>' (198), '<0xA9>' (172)]"), bytesOnly.err());
        assertTrue(bytesOnly.err().contains("--target-id N"), bytesOnly.err());

        Result both = clamp("--target", "y", "--target-id", "5");
        assertNotEquals(0, both.code());
        assertTrue(both.err().contains("give either --target TOKEN or --target-id N"), both.err());

        Result outside = clamp("--target-id", "512");
        assertNotEquals(0, outside.code());
        assertTrue(outside.err().contains("--target-id 512 is outside the vocabulary: ids are 0 to 511"),
                outside.err());
    }
}
