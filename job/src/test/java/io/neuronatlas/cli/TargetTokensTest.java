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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    static int piece;
    static final int BYTE_Y = 3 + 0x79; // <0x00> is id 3, after three control pieces, as in Llama-2's vocabulary

    @BeforeAll
    static void decoderWithAByteFallbackVocabulary() throws Exception {
        // The planted neuron writes " woman"'s head row; that id then becomes the piece "y" of a SentencePiece file.
        SyntheticDecoder.Written written = new SyntheticDecoder().layers(2).dModel(32).dMlp(48).heads(4, 2)
                .vocab(512).dtype(DType.F32).rope(10000, RopeScaling.NONE).seed(3)
                .plant(new SyntheticDecoder.CausalNeuron(1, 5, " is", " woman", 1.0, 0.5)).write(dir);
        piece = written.id(" woman");
        assertTrue(piece > BYTE_Y, "the piece must come after the byte pieces, as in a real vocabulary");
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<pad>", "<ctl>"));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        while (pieces.size() < 510) {
            pieces.add(pieces.size() == piece ? "y" : "\u2581w" + pieces.size());
        }
        TokenizerJsonWriter.writeSentencePiece(dir.resolve(Checkpoint.TOKENIZER), pieces,
                List.of(SyntheticDecoder.BOS, SyntheticDecoder.EOS));
    }

    private static Result clamp(String... target) {
        List<String> args = new ArrayList<>(List.of("clamp", "--model", dir.toString(), "--neuron", "L1.5",
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
