package io.neuronatlas.checkpoint.safetensors;

import static io.neuronatlas.checkpoint.safetensors.FloatsTest.through;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Write-then-read round trips and the read API's contract. */
class SafetensorsFileTest {

    private static final float SENTINEL = -12345f;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"BF16", "F16", "F32"})
    void writtenTensorsReadBackAsStored(DType dtype) throws IOException {
        Random random = new Random(42 + dtype.ordinal());
        int rows = 37;
        int cols = 53;
        float[][] matrix = gaussian(random, rows, cols); // [rows, cols]
        float[] vector = gaussian(random, 1, cols)[0]; // [cols]
        float[] cube = gaussian(random, 1, 2 * 3 * 4)[0]; // [2, 3, 4]
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter(file)
                .metadata("format", "pt")
                .add("matrix", dtype, new long[] {rows, cols}, (row, dst) -> System.arraycopy(
                        matrix[(int) row], 0, dst, 0, cols))
                .add("vector", dtype, new long[] {cols}, vector)
                .add("cube", dtype, new long[] {2, 3, 4}, cube)
                .add("scalar", dtype, new long[] {}, new float[] {2.5f})
                .write();

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("matrix", "vector", "cube", "scalar"), List.copyOf(st.tensors().keySet()));
            TensorInfo info = st.tensor("matrix");
            assertEquals(dtype, info.dtype());
            assertArrayEquals(new long[] {rows, cols}, info.shape());
            assertEquals((long) rows * cols * dtype.byteSize(), info.byteLength());
            assertEquals(0, info.dataStart() % 8, "data area starts 8-aligned");
            assertEquals(info.dataEnd(), st.tensor("vector").dataStart());
            assertEquals(0, st.tensor("scalar").rank());

            float[] all = st.readVector("matrix");
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    assertEquals(through(dtype, matrix[r][c]), all[r * cols + c]);
                }
            }
            assertArrayEquals(stored(dtype, vector), st.readVector("vector"));
            assertArrayEquals(stored(dtype, cube), st.readVector("cube"));
            assertArrayEquals(new float[] {2.5f}, st.readVector("scalar"));

            for (int trial = 0; trial < 25; trial++) {
                int firstRow = random.nextInt(rows + 1);
                int rowCount = random.nextInt(rows - firstRow + 1);
                int offset = random.nextInt(5);
                float[] dst = filled(offset + rowCount * cols + 3);
                st.readRows("matrix", firstRow, rowCount, dst, offset);
                float[] expected = filled(dst.length);
                for (int r = 0; r < rowCount; r++) {
                    for (int c = 0; c < cols; c++) {
                        expected[offset + r * cols + c] = through(dtype, matrix[firstRow + r][c]);
                    }
                }
                assertArrayEquals(expected, dst, "rows " + firstRow + " + " + rowCount);

                int firstCol = random.nextInt(cols + 1);
                int colCount = random.nextInt(cols - firstCol + 1);
                dst = filled(offset + colCount * rows + 3);
                st.readColumns("matrix", firstCol, colCount, dst, offset);
                expected = filled(dst.length);
                for (int c = 0; c < colCount; c++) {
                    for (int r = 0; r < rows; r++) {
                        expected[offset + c * rows + r] = through(dtype, matrix[r][firstCol + c]);
                    }
                }
                assertArrayEquals(expected, dst, "columns " + firstCol + " + " + colCount);
            }
        }
    }

    @Test
    void headerIsSpacePaddedJsonWithContiguousOffsets() throws IOException {
        Path file = dir.resolve("padded.safetensors");
        new SafetensorsWriter(file)
                .add("a", DType.F16, new long[] {3}, new float[] {1, 2, 3})
                .add("b", DType.F32, new long[] {1, 2}, new float[] {4, 5})
                .write();
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) le.getLong(0);
        assertEquals(0, headerLength % 8);
        assertEquals(8 + headerLength + 6 + 8, bytes.length);
        String header = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
        JsonNode json = new ObjectMapper().readTree(header);
        assertEquals("[0,6]", json.get("a").get("data_offsets").toString());
        assertEquals("[6,14]", json.get("b").get("data_offsets").toString());
        assertEquals("[1,2]", json.get("b").get("shape").toString());
        assertEquals(header.strip(), header.substring(0, header.strip().length()), "padding is trailing spaces");
        assertEquals(4f, le.getFloat(8 + headerLength + 6));
    }

    @Test
    void readsSpanningSeveralChunksAreExact() throws IOException {
        // [3000, 3000] BF16 is 18 MB, above the 16 MB read chunk.
        int n = 3000;
        assertTrue(2L * n * n > SafetensorsFile.MAX_READ_BYTES);
        Path file = dir.resolve("big.safetensors");
        new SafetensorsWriter(file).add("w", DType.BF16, new long[] {n, n}, (row, dst) -> {
            for (int c = 0; c < dst.length; c++) {
                dst[c] = value(row, c);
            }
        }).write();

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            float[] rows = new float[n * n];
            st.readRows("w", 0, n, rows, 0);
            for (int r = 0; r < n; r += 7) {
                for (int c = 0; c < n; c++) {
                    assertEquals(through(DType.BF16, value(r, c)), rows[r * n + c]);
                }
            }
            // Wide slice: whole rows are read several at a time; narrow slice: one read per row segment.
            for (int[] slice : new int[][] {{100, 2000}, {2995, 5}, {0, 1}}) {
                int firstCol = slice[0];
                int colCount = slice[1];
                float[] cols = new float[colCount * n];
                st.readColumns("w", firstCol, colCount, cols, 0);
                for (int c = 0; c < colCount; c += 3) {
                    for (int r = 0; r < n; r++) {
                        assertEquals(rows[r * n + firstCol + c], cols[c * n + r], "r=" + r + " c=" + (firstCol + c));
                    }
                }
            }
        }
    }

    @Test
    void columnReadsAgreeWhetherTheyReadWholeRowsOrRowSegments() throws IOException {
        int rows = 300;
        int cols = 5000; // F32 rows of 20 KB
        Path file = dir.resolve("wide.safetensors");
        new SafetensorsWriter(file).add("w", DType.F32, new long[] {rows, cols}, (row, dst) -> {
            for (int c = 0; c < cols; c++) {
                dst[c] = value(row, c);
            }
        }).write();
        long rowBytes = 4L * cols;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            // {firstCol, colCount, whether the gaps between row segments are small enough to read whole rows}
            int[][] slices = {{0, 1000, 0}, {4997, 3, 0}, {0, 5000, 1}, {1000, 3000, 1}};
            for (int[] slice : slices) {
                int firstCol = slice[0];
                int colCount = slice[1];
                long segment = 4L * colCount;
                boolean wholeRows = rowBytes - segment <= Math.max(segment, SafetensorsFile.COALESCE_GAP_BYTES);
                assertEquals(slice[2] == 1, wholeRows, "slice geometry no longer covers both read strategies");
                float[] dst = new float[colCount * rows];
                st.readColumns("w", firstCol, colCount, dst, 0);
                for (int c = 0; c < colCount; c++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(value(r, firstCol + c), dst[c * rows + r], "r=" + r + " c=" + (firstCol + c));
                    }
                }
            }
        }
    }

    /** Experts stacked along a first dimension: each slab reads as the matrix it is, rows and columns alike. */
    @ParameterizedTest
    @EnumSource(names = {"BF16", "F32"})
    void slabsOfAThreeDimensionalTensorReadAsMatrices(DType dtype) throws IOException {
        int slabs = 3;
        int rows = 7;
        int cols = 11;
        Path file = dir.resolve("stacked.safetensors");
        // Row r of the writer is row r % rows of slab r / rows.
        new SafetensorsWriter(file).add("experts", dtype, new long[] {slabs, rows, cols}, (row, dst) -> {
            for (int c = 0; c < cols; c++) {
                dst[c] = value(row, c);
            }
        }).write();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (int e = 0; e < slabs; e++) {
                float[] dst = filled(3 * cols + 1);
                st.readRows("experts", e, 2, 3, dst, 1);
                assertEquals(SENTINEL, dst[0]);
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < cols; c++) {
                        assertEquals(through(dtype, value((long) e * rows + 2 + r, c)), dst[1 + r * cols + c]);
                    }
                }
                float[] columns = new float[4 * rows];
                st.readColumns("experts", e, 5, 4, columns, 0);
                for (int c = 0; c < 4; c++) {
                    for (int r = 0; r < rows; r++) {
                        assertEquals(through(dtype, value((long) e * rows + r, 5 + c)), columns[c * rows + r]);
                    }
                }
            }
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> st.readRows("experts", 3, 0, 1, new float[cols], 0));
            assertEquals(file + ": tensor 'experts': matrix 3 requested but shape [3, 7, 11] stacks 3", e.getMessage());
            SafetensorsFormatException rank = assertThrows(SafetensorsFormatException.class,
                    () -> st.readRows("experts", 0, 1, new float[cols], 0));
            assertTrue(rank.getMessage().contains("expected a 2-D [rows, cols] matrix"), rank.getMessage());
        }
    }

    @Test
    void readsRefuseWrongRankAndNonFloatTypesNamingTheTensor() throws IOException {
        Path file = RawFiles.write(dir.resolve("ints.safetensors"),
                "{\"ids\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                        + "\"norm\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,32]}}", 32);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                    () -> st.readRows("ids", 0, 1, new float[2], 0));
            assertEquals(file + ": tensor 'ids': dtype I32 cannot be read as float; expected BF16, F16 or F32",
                    e.getMessage());
            e = assertThrows(SafetensorsFormatException.class, () -> st.readVector("ids"));
            assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("I32"), e.getMessage());

            e = assertThrows(SafetensorsFormatException.class, () -> st.readColumns("norm", 0, 1, new float[4], 0));
            assertEquals(file + ": tensor 'norm': has shape [4] of rank 1; expected a 2-D [rows, cols] matrix",
                    e.getMessage());
            assertArrayEquals(new float[4], st.readVector("norm"));

            e = assertThrows(SafetensorsFormatException.class, () -> st.tensor("lm_head.weight"));
            assertTrue(e.getMessage().startsWith(file + ": tensor 'lm_head.weight': not in"), e.getMessage());
        }
    }

    @Test
    void readsCheckTheirBoundsWithClearMessages() throws IOException {
        Path file = dir.resolve("m.safetensors");
        new SafetensorsWriter(file).add("w", DType.F32, new long[] {4, 8}, new float[32]).write();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> st.readRows("w", 3, 2, new float[16], 0));
            assertEquals(file + ": tensor 'w': rows [3, 5) requested but shape [4, 8] has rows [0, 4)",
                    e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> st.readColumns("w", -1, 2, new float[8], 0));
            assertTrue(e.getMessage().contains("columns [-1, 1)") && e.getMessage().contains("[0, 8)"),
                    e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> st.readColumns("w", 6, 2, new float[8], 1));
            assertEquals(file + ": tensor 'w': 8 floats to write at offset 1 but the destination holds 8",
                    e.getMessage());
        }
    }

    @Test
    void interruptingOneReaderDoesNotBreakTheFileForOthers() throws Exception {
        Path file = dir.resolve("shared.safetensors");
        float[] values = {1, 2, 3, 4};
        new SafetensorsWriter(file).add("v", DType.F32, new long[] {4}, values).write();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread killedTask = new Thread(() -> {
                Thread.currentThread().interrupt(); // as Spark does to a task it kills
                try {
                    st.readVector("v");
                } catch (IOException e) {
                    failure.set(e);
                }
            });
            killedTask.start();
            killedTask.join();
            assertInstanceOf(ClosedByInterruptException.class, failure.get());
            assertArrayEquals(values, st.readVector("v"));
        }
    }

    @Test
    void concurrentReadersSeeTheirOwnRows() throws Exception {
        int rows = 64;
        int cols = 96;
        Path file = dir.resolve("concurrent.safetensors");
        new SafetensorsWriter(file).add("w", DType.F16, new long[] {rows, cols}, (row, dst) -> {
            for (int c = 0; c < cols; c++) {
                dst[c] = row * 1000 + c; // exact in F16 only for small rows; compare via through()
            }
        }).write();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            List<Future<Integer>> checks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                checks.add(pool.submit(() -> {
                    Random random = new Random(seed);
                    float[] dst = new float[cols];
                    for (int i = 0; i < 200; i++) {
                        int row = random.nextInt(rows);
                        st.readRows("w", row, 1, dst, 0);
                        for (int c = 0; c < cols; c++) {
                            assertEquals(through(DType.F16, row * 1000 + c), dst[c]);
                        }
                    }
                    return seed;
                }));
            }
            for (Future<Integer> check : checks) {
                check.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void readsAfterCloseFail() throws IOException {
        Path file = dir.resolve("closed.safetensors");
        new SafetensorsWriter(file).add("v", DType.F32, new long[] {2}, new float[] {1, 2}).write();
        SafetensorsFile st = SafetensorsFile.open(file);
        st.close();
        assertThrows(ClosedChannelException.class, () -> st.readVector("v"));
        assertEquals(2, st.tensor("v").elementCount(), "the header stays available");
    }

    @Test
    void tensorInfoIsPlainData() {
        TensorInfo a = new TensorInfo("w", DType.BF16, new long[] {4096, 14336}, 80, 80 + 2L * 4096 * 14336);
        TensorInfo b = new TensorInfo("w", DType.BF16, new long[] {4096, 14336}, 80, 80 + 2L * 4096 * 14336);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("TensorInfo[name=w, dtype=BF16, shape=[4096, 14336], bytes=[80, 117440592)]", a.toString());
        assertEquals(4096L * 14336, a.elementCount());
        assertEquals(14336, a.dim(1));
        a.shape()[0] = 1;
        assertEquals(4096, a.dim(0), "shape is copied out");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorInfo("w", DType.F32, new long[] {4, 8}, 0, 100));
        assertTrue(e.getMessage().contains("100 bytes") && e.getMessage().contains("128 bytes"), e.getMessage());
    }

    private static float value(long row, int col) {
        return ((row * 31 + col * 17) % 1000 - 500) / 8f;
    }

    private static float[][] gaussian(Random random, int rows, int cols) {
        float[][] values = new float[rows][cols];
        for (float[] row : values) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (random.nextGaussian() * 3);
            }
        }
        return values;
    }

    private static float[] stored(DType dtype, float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = through(dtype, values[i]);
        }
        return out;
    }

    private static float[] filled(int length) {
        float[] values = new float[length];
        Arrays.fill(values, SENTINEL);
        return values;
    }
}
