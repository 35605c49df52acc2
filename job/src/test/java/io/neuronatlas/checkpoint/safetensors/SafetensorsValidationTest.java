package io.neuronatlas.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every header defect is refused at open with a message naming the file, the tensor and the values. */
class SafetensorsValidationTest {

    @TempDir
    Path dir;

    @Test
    void fileShorterThanTheLengthPrefix() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[5]);
        assertEquals(file + ": file is 5 bytes but a safetensors file needs at least 8 (the header length)",
                openFailure(file));
    }

    @Test
    void headerLengthAboveOneHundredMegabytes() throws IOException {
        Path file = RawFiles.writePrefix(dir.resolve("huge.safetensors"), 100L * 1024 * 1024 + 1, 16);
        assertEquals(file + ": header length 104857601 exceeds the limit of 104857600 bytes", openFailure(file));
    }

    @Test
    void headerLengthWithTheTopBitSetIsReadUnsigned() throws IOException {
        Path file = RawFiles.writePrefix(dir.resolve("unsigned.safetensors"), -1L, 16);
        assertEquals(file + ": header length 18446744073709551615 exceeds the limit of 104857600 bytes",
                openFailure(file));
    }

    @Test
    void headerLengthBeyondTheEndOfTheFile() throws IOException {
        Path file = RawFiles.writePrefix(dir.resolve("cut.safetensors"), 1000, 12);
        assertEquals(file + ": header length 1000 needs at least 1008 bytes but the file has 20", openFailure(file));
    }

    @Test
    void headerThatIsNotJson() throws IOException {
        Path file = RawFiles.write(dir.resolve("json.safetensors"), "{\"w\": {\"dtype\": \"F32\",", 0);
        String message = openFailure(file);
        assertTrue(message.startsWith(file + ": header is not valid JSON ("), message);
        assertTrue(message.endsWith("); expected one JSON object"), message);
    }

    @Test
    void headerThatIsJsonButNotAnObject() throws IOException {
        Path file = RawFiles.write(dir.resolve("array.safetensors"), "[1, 2]  ", 0);
        assertEquals(file + ": header is a JSON array; expected a JSON object of tensor entries", openFailure(file));
    }

    @Test
    void duplicateTensorNames() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        Path file = RawFiles.write(dir.resolve("dup.safetensors"), "{\"w\":" + entry + ",\"w\":" + entry + "}", 4);
        String message = openFailure(file);
        assertTrue(message.startsWith(file + ": header is not valid JSON") && message.contains("'w'"), message);
    }

    @Test
    void unknownDtype() throws IOException {
        Path file = RawFiles.write(dir.resolve("dtype.safetensors"),
                "{\"w\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        String message = openFailure(file);
        assertTrue(message.startsWith(file + ": tensor 'w': unknown dtype 'Q7'; expected one of [BOOL, U8,"), message);
        assertTrue(message.contains("BF16"), message);
    }

    @Test
    void missingFieldsAreNamed() throws IOException {
        Path file = RawFiles.write(dir.resolve("fields.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8);
        assertEquals(file + ": tensor 'w': data_offsets is missing; expected an array of integers", openFailure(file));

        file = RawFiles.write(dir.resolve("shape.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8);
        assertEquals(file + ": tensor 'w': shape [2.5] holds 2.5; expected integers in the 64-bit range",
                openFailure(file));
    }

    @Test
    void dataOffsetsOutsideTheDataArea() throws IOException {
        Path file = RawFiles.write(dir.resolve("outside.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[16],\"data_offsets\":[0,64]}}", 32);
        assertEquals(file + ": tensor 'w': data_offsets [0, 64] end beyond the data area of 32 bytes; "
                + "expected end <= 32", openFailure(file));
    }

    @Test
    void dataOffsetsBackwards() throws IOException {
        Path file = RawFiles.write(dir.resolve("backwards.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8);
        assertEquals(file + ": tensor 'w': data_offsets [8, 4] are not a byte range; expected 0 <= begin <= end",
                openFailure(file));
    }

    @Test
    void overlappingTensors() throws IOException {
        Path file = RawFiles.write(dir.resolve("overlap.safetensors"),
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 24);
        assertEquals(file + ": tensor 'b': data_offsets [8, 24] overlap tensor 'a' at data_offsets [0, 16]; "
                + "expected begin >= 16", openFailure(file));
    }

    @Test
    void byteLengthThatDoesNotMatchShapeTimesDtype() throws IOException {
        Path file = RawFiles.write(dir.resolve("model.safetensors"),
                "{\"model.layers.0.mlp.up_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[4,8],\"data_offsets\":[0,100]}}",
                100);
        assertEquals(file + ": tensor 'model.layers.0.mlp.up_proj.weight': data_offsets [0, 100] hold 100 bytes "
                + "but shape [4, 8] x BF16 needs 64 bytes", openFailure(file));
    }

    @Test
    void shapeWhoseByteCountOverflows() throws IOException {
        Path file = RawFiles.write(dir.resolve("overflow.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0);
        assertEquals(file + ": tensor 'w': shape [4294967296, 4294967296] x F32 needs more than 2^63 bytes; "
                + "expected a size that fits the file", openFailure(file));
    }

    @Test
    void negativeDimension() throws IOException {
        Path file = RawFiles.write(dir.resolve("negative.safetensors"),
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,4],\"data_offsets\":[0,16]}}", 16);
        assertEquals(file + ": tensor 'w': shape [-1, 4] has dimension -1; expected dimensions >= 0",
                openFailure(file));
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        Path file = RawFiles.write(dir.resolve("meta.safetensors"), "{\"__metadata__\":{\"step\":5}}", 0);
        assertEquals(file + ": __metadata__ entry 'step' is a JSON number 5; expected a string", openFailure(file));
    }

    @Test
    void validEdgeCasesOpen() throws IOException {
        // Empty tensors own no bytes, so one sitting inside another is no overlap; gaps are tolerated.
        Path file = RawFiles.write(dir.resolve("edge.safetensors"),
                "{\"__metadata__\":{\"format\":\"pt\"},"
                        + "\"a\":{\"dtype\":\"BF16\",\"shape\":[2,4],\"data_offsets\":[0,16]},"
                        + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,7],\"data_offsets\":[8,8]},"
                        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[24,32]}}   ", 32);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals("pt", st.metadata().get("format"));
            assertEquals(3, st.tensors().size());
            long dataAreaStart = st.tensor("a").dataStart();
            assertEquals(dataAreaStart + 24, st.tensor("ids").dataStart());
            assertEquals(0, st.tensor("empty").elementCount());
            assertEquals(0, st.readVector("empty").length);
        }
    }

    private static String openFailure(Path file) {
        return assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(file).close()).getMessage();
    }
}
