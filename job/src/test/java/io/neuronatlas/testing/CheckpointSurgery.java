package io.neuronatlas.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Edits a written checkpoint into the bad ones real folders sometimes are: config.json changed, or a one-file
 * model.safetensors rewritten byte for byte after an edit of its tensors (drop one, give one another shape, add one of
 * any dtype, such as MXFP4's U8 blocks, which the writer refuses; new or reshaped tensors hold zero bytes).
 */
public final class CheckpointSurgery {
    /** A tensor as stored: its dtype's header name, shape and raw little-endian bytes. */
    public record Stored(String dtype, long[] shape, byte[] data) {
        /** A tensor of zero bytes. */
        public static Stored zeros(String dtype, int elementBytes, long... shape) {
            long count = 1;
            for (long dim : shape) {
                count *= dim;
            }
            return new Stored(dtype, shape, new byte[Math.toIntExact(count * elementBytes)]);
        }
    }

    private CheckpointSurgery() {
    }

    /** Rewrites config.json after an edit. */
    public static void editConfig(Path model, Consumer<ObjectNode> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(model.resolve("config.json").toFile());
        edit.accept(config);
        json.writeValue(model.resolve("config.json").toFile(), config);
    }

    /**
     * gpt-oss's experts as published: each layer's gate_up_proj and down_proj replaced by MXFP4 blocks (4-bit values
     * packed two a byte, 16 bytes a block of 32) and U8 scales, one a block, of the same experts and widths.
     */
    public static void expertsToMxfp4(Path model, int layers, int experts, int hidden, int width) throws IOException {
        rewrite(model, t -> {
            for (int layer = 0; layer < layers; layer++) {
                String p = "model.layers." + layer + ".mlp.experts.";
                t.remove(p + "gate_up_proj");
                t.remove(p + "down_proj");
                t.put(p + "gate_up_proj_blocks", Stored.zeros("U8", 1, experts, 2L * width, blocks(hidden), 16));
                t.put(p + "gate_up_proj_scales", Stored.zeros("U8", 1, experts, 2L * width, blocks(hidden)));
                t.put(p + "down_proj_blocks", Stored.zeros("U8", 1, experts, hidden, blocks(width), 16));
                t.put(p + "down_proj_scales", Stored.zeros("U8", 1, experts, hidden, blocks(width)));
            }
        });
    }

    private static long blocks(int values) {
        return (values + 31) / 32;
    }

    /** Reads every tensor of model.safetensors, lets edit change the map (in file order), writes the file anew. */
    public static void rewrite(Path model, Consumer<Map<String, Stored>> edit) throws IOException {
        Path file = model.resolve("model.safetensors");
        Map<String, Stored> tensors = new LinkedHashMap<>();
        try (WeightFiles weights = WeightFiles.open(model);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (TensorInfo t : weights.tensors()) {
                ByteBuffer bytes = ByteBuffer.allocate((int) t.byteLength());
                while (bytes.hasRemaining()) {
                    channel.read(bytes, t.dataStart() + bytes.position());
                }
                tensors.put(t.name(), new Stored(t.dtype().name(), t.shape(), bytes.array()));
            }
        }
        edit.accept(tensors);
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Stored> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype());
            var shape = t.putArray("shape");
            for (long dim : e.getValue().shape()) {
                shape.add(dim);
            }
            t.putArray("data_offsets").add(offset).add(offset + e.getValue().data().length);
            offset += e.getValue().data().length;
        }
        byte[] text = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + padded + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(text);
        for (int i = text.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        for (Stored s : tensors.values()) {
            out.put(s.data());
        }
        Files.write(file, out.array());
    }
}
