package io.neuronatlas.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Offsets past 2^31: a sparse file, so the test costs no disk and little time. */
class LargeFileTest {

    private static final long PAD = (1L << 31) + 24; // U8 padding that pushes the weights past 2 GB

    @TempDir
    Path dir;

    @Test
    void tensorsBeyondTwoGigabytesReadBack() throws IOException {
        long farEnd = PAD + 3 * 4 * 4; // "far": F32 [3, 4]
        long tailEnd = farEnd + 5 * 2; // "tail": BF16 [5]
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + PAD + "],\"data_offsets\":[0," + PAD + "]},"
                + "\"far\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[" + PAD + "," + farEnd + "]},"
                + "\"tail\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[" + farEnd + "," + tailEnd + "]}}";
        byte[] headerBytes = header.getBytes(StandardCharsets.UTF_8);
        long dataAreaStart = 8 + headerBytes.length;

        float[] far = {1.5f, -2, 3, 4.25f, 5, 6, 7, 8, -9, 10, 11, 12.5f};
        float[] tail = {0.5f, -1, 256, 3.140625f, -0.0078125f}; // all exact in bf16
        ByteBuffer weights = ByteBuffer.allocate((int) (tailEnd - PAD)).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : far) {
            weights.putFloat(v);
        }
        for (float v : tail) {
            weights.putShort(Floats.floatToBf16(v));
        }

        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(dataAreaStart + tailEnd); // sparse: the padding is a hole
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerBytes.length).array());
            raf.write(headerBytes);
            raf.seek(dataAreaStart + PAD);
            raf.write(weights.array());
        }
        assertTrue(Files.size(file) > 1L << 31);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            TensorInfo info = st.tensor("far");
            assertEquals(dataAreaStart + PAD, info.dataStart());
            assertTrue(info.dataStart() > Integer.MAX_VALUE);
            assertEquals(PAD, st.tensor("pad").elementCount());

            assertArrayEquals(far, st.readVector("far"));
            assertArrayEquals(tail, st.readVector("tail"));

            float[] rows = new float[8];
            st.readRows("far", 1, 2, rows, 0);
            assertArrayEquals(new float[] {5, 6, 7, 8, -9, 10, 11, 12.5f}, rows);

            float[] columns = new float[6];
            st.readColumns("far", 2, 2, columns, 0); // columns 2 and 3 of [3, 4], each contiguous
            assertArrayEquals(new float[] {3, 7, 11, 4.25f, 8, 12.5f}, columns);
        }
    }
}
