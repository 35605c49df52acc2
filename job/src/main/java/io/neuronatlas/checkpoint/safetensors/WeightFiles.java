package io.neuronatlas.checkpoint.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import io.neuronatlas.checkpoint.files.InputFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The weights of one Hugging Face model folder: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}, or (without an index) every {@code *.safetensors} file. Every tensor name maps
 * to exactly one open file; all headers are validated when the folder is opened.
 *
 * <p>Pickled checkpoints ({@code pytorch_model.bin} and kin) are refused, never loaded: unpickling runs arbitrary
 * code from the file.
 */
public final class WeightFiles implements Closeable {

    static final String INDEX_FILE = "model.safetensors.index.json";
    static final String SINGLE_FILE = "model.safetensors";
    private static final String SAFETENSORS_SUFFIX = ".safetensors";
    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An index lists one line per tensor: a few MB for the largest mixture-of-experts checkpoints. */
    static final long MAX_INDEX_BYTES = 64 * InputFile.MIB;

    private final Path modelDir;
    private final List<SafetensorsFile> files;
    /** Every tensor of every file, file by file in header order. */
    private final Map<String, SafetensorsFile> fileByTensor;
    private final List<TensorInfo> tensors;
    private final List<Path> paths;

    /** @throws SafetensorsFormatException when a tensor is in more than one file */
    private WeightFiles(Path modelDir, List<SafetensorsFile> files) throws SafetensorsFormatException {
        this.modelDir = modelDir;
        this.files = List.copyOf(files);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        List<TensorInfo> all = new ArrayList<>();
        List<Path> filePaths = new ArrayList<>();
        for (SafetensorsFile file : files) {
            filePaths.add(file.path());
            for (TensorInfo tensor : file.tensors().values()) {
                SafetensorsFile earlier = byTensor.putIfAbsent(tensor.name(), file);
                if (earlier != null) {
                    throw SafetensorsFormatException.inTensor(modelDir, tensor.name(), "is in both "
                            + earlier.path().getFileName() + " and " + file.path().getFileName()
                            + "; expected each tensor in exactly one file");
                }
                all.add(tensor);
            }
        }
        this.fileByTensor = Collections.unmodifiableMap(byTensor);
        this.tensors = List.copyOf(all);
        this.paths = List.copyOf(filePaths);
    }

    /** Opens the weights of {@code modelDir} and validates every header; see the class comment for the lookup. */
    public static WeightFiles open(Path modelDir) throws IOException {
        if (!Files.isDirectory(modelDir)) {
            throw SafetensorsFormatException.inFile(modelDir, "model folder does not exist or is not a directory");
        }
        Path index = modelDir.resolve(INDEX_FILE);
        if (present(index)) {
            return openIndexed(modelDir, index);
        }
        Path single = modelDir.resolve(SINGLE_FILE);
        if (present(single)) {
            // A link to /dev/zero, a FIFO or a directory under the weights' name is an error, not "no weights".
            requireRegular(single, "the safetensors weights");
            return openFiles(modelDir, List.of(single));
        }
        List<Path> shards = filesEndingWith(modelDir, List.of(SAFETENSORS_SUFFIX));
        if (!shards.isEmpty()) {
            return openFiles(modelDir, shards);
        }
        List<Path> pickles = filesEndingWith(modelDir, PICKLE_SUFFIXES);
        if (!pickles.isEmpty()) {
            throw SafetensorsFormatException.inFile(modelDir, "no safetensors files, only pickled PyTorch weights "
                    + fileNames(pickles) + ". neuron-atlas reads safetensors only and never unpickles weights "
                    + "(unpickling runs code from the file). Convert the checkpoint to safetensors, e.g. with "
                    + "transformers: model.save_pretrained(dir, safe_serialization=True)");
        }
        throw SafetensorsFormatException.inFile(modelDir, "no weights found; expected " + SINGLE_FILE + ", "
                + INDEX_FILE + " or *" + SAFETENSORS_SUFFIX + " files");
    }

    public Path modelDir() {
        return modelDir;
    }

    public Optional<TensorInfo> find(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        return file == null ? Optional.empty() : Optional.of(file.tensors().get(name));
    }

    /** @throws SafetensorsFormatException naming the model folder and the tensor when no file has it */
    public TensorInfo require(String name) throws SafetensorsFormatException {
        return fileOf(name).tensors().get(name);
    }

    /** The open file holding {@code tensorName}, for its row and column reads. */
    public SafetensorsFile fileOf(String tensorName) throws SafetensorsFormatException {
        SafetensorsFile file = fileByTensor.get(tensorName);
        if (file == null) {
            throw SafetensorsFormatException.inTensor(modelDir, tensorName, "not in any of the " + files.size()
                    + " weight files " + fileNames(files()));
        }
        return file;
    }

    /** Every tensor, file by file in header order. */
    public Collection<TensorInfo> tensors() {
        return tensors;
    }

    /** The weight files, in name order. */
    public List<Path> files() {
        return paths;
    }

    /** Bytes of tensor data across all files; headers excluded. */
    public long totalBytes() {
        long total = 0;
        for (TensorInfo tensor : tensors) {
            total += tensor.byteLength();
        }
        return total;
    }

    /** {@link SafetensorsFile#readRows} on the file holding {@code tensor}. */
    public void readRows(String tensor, long firstRow, int rowCount, float[] dst, int dstOffset) throws IOException {
        fileOf(tensor).readRows(tensor, firstRow, rowCount, dst, dstOffset);
    }

    /** {@link SafetensorsFile#readRows(String, int, long, int, float[], int)}: rows of matrix slab of a 3-D tensor. */
    public void readRows(String tensor, int slab, long firstRow, int rowCount, float[] dst, int dstOffset)
            throws IOException {
        fileOf(tensor).readRows(tensor, slab, firstRow, rowCount, dst, dstOffset);
    }

    /** {@link SafetensorsFile#readColumns} on the file holding {@code tensor}. */
    public void readColumns(String tensor, long firstCol, int colCount, float[] dst, int dstOffset)
            throws IOException {
        fileOf(tensor).readColumns(tensor, firstCol, colCount, dst, dstOffset);
    }

    /** {@link SafetensorsFile#readVector} on the file holding {@code tensor}. */
    public float[] readVector(String tensor) throws IOException {
        return fileOf(tensor).readVector(tensor);
    }

    @Override
    public void close() throws IOException {
        closeAll(files, null);
    }

    @Override
    public String toString() {
        return "WeightFiles[" + modelDir + ", " + files.size() + " files, " + fileByTensor.size() + " tensors]";
    }

    /** Shards named by the index's weight_map, each opened once, then checked against the map. */
    private static WeightFiles openIndexed(Path modelDir, Path index) throws IOException {
        Map<String, String> fileNameByTensor = readWeightMap(index);
        // Sorted by file name: the shard order does not depend on which tensor the map happens to list first.
        Map<String, Path> shardByName = new TreeMap<>();
        for (Map.Entry<String, String> entry : fileNameByTensor.entrySet()) {
            String fileName = entry.getValue();
            Path shard = modelDir.resolve(fileName).normalize();
            if (!shard.startsWith(modelDir.normalize()) || shard.equals(modelDir.normalize())) {
                throw SafetensorsFormatException.inFile(index, "weight_map puts tensor '" + entry.getKey()
                        + "' in '" + fileName + "'; expected a file inside " + modelDir);
            }
            Optional<String> notAFile = InputFile.notRegular(shard);
            if (notAFile.isPresent()) {
                throw SafetensorsFormatException.inFile(index, "weight_map puts tensor '" + entry.getKey()
                        + "' in '" + fileName + "' but " + shard + " " + (notAFile.get().equals("not found")
                        ? "does not exist" : notAFile.get()));
            }
            shardByName.put(fileName, shard);
        }
        // "./x" and "x" name one file: it is opened once.
        WeightFiles weights = openFiles(modelDir, new ArrayList<>(new TreeSet<>(shardByName.values())));
        try {
            for (Map.Entry<String, String> entry : fileNameByTensor.entrySet()) {
                String tensor = entry.getKey();
                Path listed = shardByName.get(entry.getValue());
                SafetensorsFile actual = weights.fileByTensor.get(tensor);
                if (actual == null) {
                    throw SafetensorsFormatException.inFile(index, "weight_map puts tensor '" + tensor + "' in '"
                            + entry.getValue() + "' but that file's header has no such tensor");
                }
                if (!actual.path().equals(listed)) {
                    throw SafetensorsFormatException.inFile(index, "weight_map puts tensor '" + tensor + "' in '"
                            + entry.getValue() + "' but it is in " + actual.path().getFileName());
                }
            }
            return weights;
        } catch (IOException | RuntimeException e) {
            closeAll(weights.files, e);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) throws IOException {
        JsonNode root;
        byte[] bytes;
        try {
            bytes = InputFile.readRegular(index, MAX_INDEX_BYTES, "an index of weight files");
        } catch (IOException e) {
            throw new SafetensorsFormatException(e.getMessage(), e);
        }
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new SafetensorsFormatException(index + ": not readable as JSON (" + e.getMessage()
                    + "); expected {\"weight_map\": {tensor: file}}", e);
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw SafetensorsFormatException.inFile(index, "has no weight_map object; expected {\"weight_map\": "
                    + "{tensor: file}}");
        }
        Map<String, String> fileNameByTensor = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : weightMap.properties()) {
            if (!entry.getValue().isTextual()) {
                throw SafetensorsFormatException.inFile(index, "weight_map entry for tensor '" + entry.getKey()
                        + "' is " + entry.getValue() + "; expected a file name");
            }
            fileNameByTensor.put(entry.getKey(), entry.getValue().textValue());
        }
        return fileNameByTensor;
    }

    /** Opens every file, closing those already open if a later one fails. */
    private static WeightFiles openFiles(Path modelDir, List<Path> paths) throws IOException {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (Path path : paths) {
                opened.add(SafetensorsFile.open(path));
            }
            return new WeightFiles(modelDir, opened);
        } catch (IOException | RuntimeException e) {
            closeAll(opened, e);
            throw e;
        }
    }

    /** Closes each file even when one fails; failures go onto {@code primary} when given, else are thrown. */
    private static void closeAll(List<SafetensorsFile> files, Throwable primary) throws IOException {
        IOException first = null;
        for (SafetensorsFile file : files) {
            try {
                file.close();
            } catch (IOException e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Whether anything (a file, a folder, a link even to nothing) is at path. */
    private static boolean present(Path path) {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static void requireRegular(Path file, String what) throws SafetensorsFormatException {
        Optional<String> notAFile = InputFile.notRegular(file);
        if (notAFile.isPresent()) {
            throw SafetensorsFormatException.inFile(file, notAFile.get() + "; expected " + what
                    + " as a regular file");
        }
    }

    private static List<Path> filesEndingWith(Path dir, List<String> suffixes) throws IOException {
        List<Path> matches = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(entry) && suffixes.stream().anyMatch(name::endsWith)) {
                    matches.add(entry);
                }
            }
        }
        Collections.sort(matches);
        return matches;
    }

    private static String fileNames(List<Path> paths) {
        List<String> names = new ArrayList<>(paths.size());
        for (Path path : paths) {
            names.add(path.getFileName().toString());
        }
        return names.toString();
    }
}
