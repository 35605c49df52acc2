package io.neuronatlas.checkpoint.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a safetensors file of BF16/F16/F32 tensors, streaming each tensor row by row from a {@link RowFiller} so
 * that multi-GB test and benchmark checkpoints never sit in memory. The header is computed from the shapes alone and
 * written first.
 *
 * <pre>{@code
 * new SafetensorsWriter(dir.resolve("model.safetensors"))
 *     .metadata("format", "pt")
 *     .add("model.layers.0.mlp.up_proj.weight", DType.BF16, new long[] {dMlp, dModel}, (row, dst) -> ...)
 *     .write();
 * }</pre>
 */
public final class SafetensorsWriter {

    /** Supplies one row of a tensor: the last dimension, or the whole tensor when it is 1-D (one element if 0-D). */
    @FunctionalInterface
    public interface RowFiller {
        /** Fills all of {@code dst} (its length is the row length) with row {@code row}, counted from 0. */
        void fill(long row, float[] dst);
    }

    /** Enough to keep system calls rare when writing GBs, small enough to allocate per write. */
    private static final int WRITE_BUFFER_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    public SafetensorsWriter(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Adds a tensor whose rows {@code filler} produces during {@link #write()}, in order.
     *
     * @throws IllegalArgumentException for a non-float dtype, a negative dimension, a name already added or
     *     reserved, or rows too long for one float[]
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, RowFiller filler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(filler, "filler");
        if (name.equals(SafetensorsHeader.METADATA_KEY) || tensors.containsKey(name)) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' is already added or reserved");
        }
        if (!dtype.isFloatWeight()) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "': dtype " + dtype
                    + " cannot be written from floats; expected BF16, F16 or F32");
        }
        tensors.put(name, new PendingTensor(name, dtype, shape, filler));
        return this;
    }

    /** Adds a small tensor held in memory, row-major; {@code data} is read during {@link #write()}. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] data) {
        long count = TensorInfo.product(shape);
        if (data.length != count) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "': " + data.length
                    + " values given but shape " + TensorInfo.formatShape(shape) + " needs " + count);
        }
        return add(name, dtype, shape, (row, dst) -> System.arraycopy(data, (int) (row * dst.length), dst, 0,
                dst.length));
    }

    /** Writes the file, replacing any existing one; a failed write leaves no partial file behind. */
    public void write() throws IOException {
        byte[] header = header();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(out, prefix);
            writeFully(out, ByteBuffer.wrap(header));
            ByteBuffer buffer = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (PendingTensor tensor : tensors.values()) {
                writeTensor(out, buffer, tensor);
            }
            buffer.flip();
            writeFully(out, buffer);
        } catch (IOException | RuntimeException e) {
            // A truncated file would fail validation anyway, but should not sit there looking like a checkpoint.
            try {
                Files.deleteIfExists(file);
            } catch (IOException deleteFailure) {
                e.addSuppressed(deleteFailure);
            }
            throw e;
        }
    }

    /** JSON header, space-padded to a multiple of 8 bytes as the reference writer does, so data starts aligned. */
    private byte[] header() throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            json.put(SafetensorsHeader.METADATA_KEY, metadata);
        }
        long offset = 0;
        for (PendingTensor tensor : tensors.values()) {
            long end = offset + tensor.byteLength();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", tensor.dtype().name());
            entry.put("shape", tensor.shape());
            entry.put("data_offsets", List.of(offset, end));
            json.put(tensor.name(), entry);
            offset = end;
        }
        byte[] compact = JSON.writeValueAsBytes(json);
        int padded = (compact.length + 7) & ~7;
        if (padded > SafetensorsHeader.MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file + ": header of " + padded + " bytes exceeds the limit of "
                    + SafetensorsHeader.MAX_HEADER_BYTES + " bytes readers accept");
        }
        byte[] header = Arrays.copyOf(compact, padded);
        Arrays.fill(header, compact.length, padded, (byte) ' ');
        return header;
    }

    private static void writeTensor(FileChannel out, ByteBuffer buffer, PendingTensor tensor) throws IOException {
        int rowLength = tensor.rowLength();
        long rowCount = tensor.rowCount();
        int elementBytes = tensor.dtype().byteSize();
        float[] row = new float[rowLength];
        for (long r = 0; r < rowCount; r++) {
            tensor.filler().fill(r, row);
            // A row may be longer than the buffer: encode what fits, flush, go on.
            for (int done = 0; done < rowLength; ) {
                if (buffer.remaining() < elementBytes) {
                    buffer.flip();
                    writeFully(out, buffer);
                    buffer.clear();
                }
                int n = Math.min(rowLength - done, buffer.remaining() / elementBytes);
                Floats.encode(tensor.dtype(), row, done, n, buffer);
                done += n;
            }
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /**
     * A tensor waiting for {@link #write()}. Rows are the last dimension: {@code shape [a, b, c]} is {@code a*b} rows
     * of {@code c}; a scalar is one row of one.
     */
    private record PendingTensor(String name, DType dtype, long[] shape, RowFiller filler) {

        PendingTensor {
            shape = shape.clone();
            for (long dim : shape) {
                if (dim < 0) {
                    throw new IllegalArgumentException("tensor '" + name + "': shape "
                            + TensorInfo.formatShape(shape) + " has dimension " + dim + "; expected dimensions >= 0");
                }
            }
            long rowLength = shape.length == 0 ? 1 : shape[shape.length - 1];
            if (rowLength > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor '" + name + "': rows of " + rowLength
                        + " elements in shape " + TensorInfo.formatShape(shape) + "; expected at most "
                        + (Integer.MAX_VALUE - 8) + " to fit one float[]");
            }
            Math.multiplyExact(TensorInfo.product(shape), dtype.byteSize()); // fails early on absurd shapes
        }

        int rowLength() {
            return shape.length == 0 ? 1 : (int) shape[shape.length - 1];
        }

        long rowCount() {
            long count = TensorInfo.product(shape);
            return count == 0 ? 0 : count / rowLength();
        }

        long byteLength() {
            return TensorInfo.product(shape) * dtype.byteSize();
        }
    }
}
