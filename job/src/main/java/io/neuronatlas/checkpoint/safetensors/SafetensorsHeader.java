package io.neuronatlas.checkpoint.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.neuronatlas.checkpoint.files.InputFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated header of one safetensors file. Everything a later read relies on (offsets inside the file, sizes
 * matching shapes, no two tensors sharing bytes) is checked here, before any tensor data is touched, so that reads
 * need only bounds checks on their arguments.
 *
 * @param tensors by name, in header order
 * @param metadata the {@code __metadata__} strings, empty when absent
 */
record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    /** The reference implementation's limit; a larger length is a corrupt or hostile file, not a real header. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    static final String METADATA_KEY = "__metadata__";

    /** Heap a parse needs per header byte, at most: the bytes themselves and the entries made of them. */
    static final int HEAP_PER_HEADER_BYTE = 4;

    private static final int LENGTH_PREFIX_BYTES = 8;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    // Jackson's default string cap (20 MB) is below what a legal header may hold in metadata.
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength((int) MAX_HEADER_BYTES)
                            .build())
                    .build())
            // A duplicated tensor name would otherwise silently keep the last entry.
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .build();

    SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Reads the length prefix and header of {@code file} through {@code channel} and validates them. */
    static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < LENGTH_PREFIX_BYTES) {
            throw SafetensorsFormatException.inFile(file, "file is " + fileSize
                    + " bytes but a safetensors file needs at least 8 (the header length)");
        }
        ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, channel, prefix, 0);
        long headerLength = prefix.getLong(0);
        // Unsigned u64 on disk: a "negative" long is a length beyond 2^63, far past the limit.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw SafetensorsFormatException.inFile(file, "header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        long dataAreaStart = LENGTH_PREFIX_BYTES + headerLength;
        if (dataAreaStart > fileSize) {
            throw SafetensorsFormatException.inFile(file, "header length " + headerLength + " needs at least "
                    + dataAreaStart + " bytes but the file has " + fileSize);
        }
        checkHeapFor(file, headerLength);
        try {
            ByteBuffer json = ByteBuffer.allocate((int) headerLength);
            readFully(file, channel, json, LENGTH_PREFIX_BYTES);
            return parse(file, json.array(), dataAreaStart, fileSize - dataAreaStart);
        } catch (OutOfMemoryError e) {
            throw new SafetensorsFormatException(InputFile.outOfMemory(file + ": header of " + headerLength
                    + " bytes"));
        }
    }

    /**
     * Refuses up front a header this JVM could not hold parsed: its bytes and its tensors' entries take up to
     * {@value #HEAP_PER_HEADER_BYTE} times its length (measured: a 99 MB header of 1.2 million tensors keeps 221 MB
     * of entries after parsing).
     */
    private static void checkHeapFor(Path file, long headerLength) throws SafetensorsFormatException {
        Runtime runtime = Runtime.getRuntime();
        long free = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        if (headerLength * HEAP_PER_HEADER_BYTE > free) {
            throw new SafetensorsFormatException(InputFile.needsMemory(file + ": header of " + headerLength
                    + " bytes", "parsing it needs about " + headerLength * HEAP_PER_HEADER_BYTE / InputFile.MIB
                    + " MiB of heap, more than the " + free / InputFile.MIB + " MiB this JVM has free"));
        }
    }

    /**
     * Parses header JSON whose data area starts at absolute position {@code dataAreaStart} and holds
     * {@code dataAreaSize} bytes. Entry by entry: only one tensor's JSON tree exists at a time, so a legal header of
     * a million tensors needs the memory of its {@link TensorInfo}s, not of a whole JSON tree (ten times more).
     */
    static SafetensorsHeader parse(Path file, byte[] json, long dataAreaStart, long dataAreaSize)
            throws SafetensorsFormatException {
        try {
            return parseEntries(file, json, dataAreaStart, dataAreaSize);
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException(
                    file + ": header is not valid JSON (" + e.getOriginalMessage() + "); expected one JSON object", e);
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new SafetensorsFormatException(file + ": header could not be parsed: " + e.getMessage(), e);
        }
    }

    private static SafetensorsHeader parseEntries(Path file, byte[] json, long dataAreaStart, long dataAreaSize)
            throws IOException {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        boolean sawMetadata = false;
        try (JsonParser parser = JSON.getFactory().createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                String found = first == null ? "empty" : "a JSON " + switch (first) {
                    case START_ARRAY -> "array";
                    case VALUE_STRING -> "string";
                    case VALUE_TRUE, VALUE_FALSE -> "boolean";
                    case VALUE_NULL -> "null";
                    default -> "number";
                };
                throw SafetensorsFormatException.inFile(file,
                        "header is " + found + "; expected a JSON object of tensor entries");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                JsonNode entry = JSON.readTree(parser);
                if (name.equals(METADATA_KEY) ? sawMetadata : tensors.containsKey(name)) {
                    throw new SafetensorsFormatException(file + ": header is not valid JSON (duplicate field '" + name
                            + "'); expected one JSON object");
                }
                if (name.equals(METADATA_KEY)) {
                    metadata = parseMetadata(file, entry);
                    sawMetadata = true;
                } else {
                    tensors.put(name, parseTensor(file, name, entry, dataAreaStart, dataAreaSize));
                }
            }
            if (parser.nextToken() != null) {
                throw new SafetensorsFormatException(file + ": header is not valid JSON (content after the header "
                        + "object at byte " + parser.currentTokenLocation().getByteOffset()
                        + "); expected one JSON object");
            }
        }
        checkNoOverlap(file, tensors.values(), dataAreaStart);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafetensorsFormatException {
        if (!node.isObject()) {
            throw SafetensorsFormatException.inFile(file,
                    METADATA_KEY + " is " + nodeType(node) + "; expected an object of string values");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw SafetensorsFormatException.inFile(file, METADATA_KEY + " entry '" + entry.getKey() + "' is "
                        + nodeType(entry.getValue()) + " " + entry.getValue() + "; expected a string");
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataAreaStart,
            long dataAreaSize) throws SafetensorsFormatException {
        if (!node.isObject()) {
            throw SafetensorsFormatException.inTensor(file, name, "header entry is " + nodeType(node)
                    + "; expected an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw SafetensorsFormatException.inTensor(file, name,
                    "dtype is " + nodeType(dtypeNode) + "; expected a string such as \"BF16\"");
        }
        DType dtype = DType.parse(dtypeNode.textValue());
        if (dtype == null) {
            throw SafetensorsFormatException.inTensor(file, name, "unknown dtype '" + dtypeNode.textValue()
                    + "'; expected one of " + Arrays.toString(DType.values()));
        }

        long[] shape = longs(file, name, node, "shape");
        for (long dim : shape) {
            if (dim < 0) {
                throw SafetensorsFormatException.inTensor(file, name, "shape " + TensorInfo.formatShape(shape)
                        + " has dimension " + dim + "; expected dimensions >= 0");
            }
        }

        long[] offsets = longs(file, name, node, "data_offsets");
        if (offsets.length != 2) {
            throw SafetensorsFormatException.inTensor(file, name, "data_offsets " + Arrays.toString(offsets)
                    + " has " + offsets.length + " entries; expected 2 ([begin, end])");
        }
        long begin = offsets[0];
        long end = offsets[1];
        String offsetsText = "data_offsets [" + begin + ", " + end + "]";
        if (begin < 0 || begin > end) {
            throw SafetensorsFormatException.inTensor(file, name,
                    offsetsText + " are not a byte range; expected 0 <= begin <= end");
        }
        if (end > dataAreaSize) {
            throw SafetensorsFormatException.inTensor(file, name, offsetsText + " end beyond the data area of "
                    + dataAreaSize + " bytes; expected end <= " + dataAreaSize);
        }
        long needed;
        try {
            needed = Math.multiplyExact(TensorInfo.product(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw SafetensorsFormatException.inTensor(file, name, "shape " + TensorInfo.formatShape(shape) + " x "
                    + dtype + " needs more than 2^63 bytes; expected a size that fits the file");
        }
        if (end - begin != needed) {
            throw SafetensorsFormatException.inTensor(file, name, offsetsText + " hold " + (end - begin)
                    + " bytes but shape " + TensorInfo.formatShape(shape) + " x " + dtype + " needs " + needed
                    + " bytes");
        }
        return new TensorInfo(name, dtype, shape, dataAreaStart + begin, dataAreaStart + end);
    }

    /** A JSON array of integers, e.g. {@code shape}; negative values are returned for the caller to judge. */
    private static long[] longs(Path file, String tensor, JsonNode entry, String field)
            throws SafetensorsFormatException {
        JsonNode array = entry.get(field);
        if (array == null || !array.isArray()) {
            throw SafetensorsFormatException.inTensor(file, tensor,
                    field + " is " + nodeType(array) + "; expected an array of integers");
        }
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = array.get(i);
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw SafetensorsFormatException.inTensor(file, tensor, field + " " + array + " holds " + value
                        + "; expected integers in the 64-bit range");
            }
            values[i] = value.longValue();
        }
        return values;
    }

    /** Tensors that share bytes would silently alias; empty tensors own no bytes and cannot overlap. */
    private static void checkNoOverlap(Path file, Iterable<TensorInfo> tensors, long dataAreaStart)
            throws SafetensorsFormatException {
        List<TensorInfo> byStart = new ArrayList<>();
        for (TensorInfo tensor : tensors) {
            if (tensor.byteLength() > 0) {
                byStart.add(tensor);
            }
        }
        byStart.sort(Comparator.comparingLong(TensorInfo::dataStart));
        TensorInfo furthest = null;
        for (TensorInfo tensor : byStart) {
            if (furthest != null && tensor.dataStart() < furthest.dataEnd()) {
                throw SafetensorsFormatException.inTensor(file, tensor.name(), "data_offsets "
                        + relativeOffsets(tensor, dataAreaStart) + " overlap tensor '" + furthest.name()
                        + "' at data_offsets " + relativeOffsets(furthest, dataAreaStart) + "; expected begin >= "
                        + (furthest.dataEnd() - dataAreaStart));
            }
            if (furthest == null || tensor.dataEnd() > furthest.dataEnd()) {
                furthest = tensor;
            }
        }
    }

    private static String relativeOffsets(TensorInfo tensor, long dataAreaStart) {
        return "[" + (tensor.dataStart() - dataAreaStart) + ", " + (tensor.dataEnd() - dataAreaStart) + "]";
    }

    private static String nodeType(JsonNode node) {
        return node == null || node.isMissingNode() ? "missing" : "a JSON " + node.getNodeType().name().toLowerCase();
    }

    private static void readFully(Path file, FileChannel channel, ByteBuffer buffer, long position)
            throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw SafetensorsFormatException.inFile(file, "file ended at byte " + at + " while reading the header");
            }
            at += n;
        }
    }
}
