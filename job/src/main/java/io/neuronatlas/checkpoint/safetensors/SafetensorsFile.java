package io.neuronatlas.checkpoint.safetensors;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * One open safetensors file: its validated header, and float32 reads of its BF16/F16/F32 tensors.
 *
 * <p>Reads are positional, in chunks of at most {@value #MAX_READ_BYTES} bytes, so files beyond 2 GB work and no read
 * holds more than a chunk of raw bytes. Instances are safe to share between threads (Spark task threads of one
 * executor): the header is immutable and each read uses its own buffer.
 */
public final class SafetensorsFile implements Closeable {

    /** Upper bound on one positional read, and so on the raw-byte buffer a read allocates. */
    static final int MAX_READ_BYTES = 16 * 1024 * 1024;

    /**
     * Gap between wanted row segments (in bytes) below which a column read fetches whole rows in one go instead of
     * one read per row: skipping a few KB costs less than another system call.
     */
    static final int COALESCE_GAP_BYTES = 8 * 1024;

    /**
     * Raw bytes a column read holds at once: small enough to stay in L2 cache while they are transposed, which
     * touches them column by column.
     */
    static final int TRANSPOSE_BLOCK_BYTES = 1024 * 1024;

    private final Path path;
    private final SafetensorsHeader header;
    /** Replaced when another thread's interrupt closed it; see {@link #readAt}. */
    private volatile FileChannel channel;
    private volatile boolean closed;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /** Opens {@code file} and validates its whole header; no tensor data is read. */
    public static SafetensorsFile open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new SafetensorsFile(file, channel, SafetensorsHeader.read(file, channel));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** All tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return header.tensors();
    }

    /** The header's {@code __metadata__} strings; empty when it has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** @throws SafetensorsFormatException naming this file and the tensor when the header has no such tensor */
    public TensorInfo tensor(String name) throws SafetensorsFormatException {
        TensorInfo tensor = header.tensors().get(name);
        if (tensor == null) {
            throw SafetensorsFormatException.inTensor(path, name,
                    "not in this file's header (" + header.tensors().size() + " tensors)");
        }
        return tensor;
    }

    /**
     * Rows {@code [firstRow, firstRow + rowCount)} of the 2-D float tensor {@code name} ({@code [rows, cols]}), as
     * float32, into {@code dst[dstOffset ..]}, row-major: {@code rowCount * cols} floats.
     *
     * @throws SafetensorsFormatException when the tensor is absent, not 2-D, or not BF16/F16/F32
     * @throws IndexOutOfBoundsException when the rows are outside the tensor or do not fit {@code dst}
     */
    public void readRows(String name, long firstRow, int rowCount, float[] dst, int dstOffset) throws IOException {
        readRows(name, -1, firstRow, rowCount, dst, dstOffset);
    }

    /**
     * Rows of one matrix: the 2-D tensor {@code name} when {@code slab} is -1, else matrix {@code slab} of the 3-D
     * tensor {@code name} ({@code [slabs, rows, cols]}, e.g. experts stacked along the first dimension).
     *
     * @see #readRows(String, long, int, float[], int)
     */
    public void readRows(String name, int slab, long firstRow, int rowCount, float[] dst, int dstOffset)
            throws IOException {
        Matrix matrix = floatMatrix(name, slab);
        checkRange(matrix.tensor, "rows", firstRow, rowCount, matrix.rows);
        long values = checkDestination(matrix.tensor, Math.multiplyExact(rowCount, matrix.cols), dst, dstOffset);
        long start = matrix.dataStart + firstRow * matrix.cols * matrix.tensor.dtype().byteSize();
        readContiguous(matrix.tensor, start, values, dst, dstOffset);
    }

    /**
     * Columns {@code [firstCol, firstCol + colCount)} of the 2-D float tensor {@code name} ({@code [rows, cols]}),
     * transposed so that each column is contiguous: {@code dst[dstOffset + c * rows + r] = T[r, firstCol + c]}. This is
     * how a down_proj neuron, column n of {@code [d_model, d_mlp]}, becomes one vector.
     *
     * <p>A narrow slice of long rows costs one read per row, so read neurons in blocks of hundreds of columns rather
     * than one at a time.
     *
     * @throws SafetensorsFormatException when the tensor is absent, not 2-D, or not BF16/F16/F32
     * @throws IndexOutOfBoundsException when the columns are outside the tensor or do not fit {@code dst}
     */
    public void readColumns(String name, long firstCol, int colCount, float[] dst, int dstOffset) throws IOException {
        readColumns(name, -1, firstCol, colCount, dst, dstOffset);
    }

    /**
     * Columns of one matrix, transposed: of the 2-D tensor {@code name} when {@code slab} is -1, else of matrix
     * {@code slab} of the 3-D tensor {@code name}.
     *
     * @see #readColumns(String, long, int, float[], int)
     */
    public void readColumns(String name, int slab, long firstCol, int colCount, float[] dst, int dstOffset)
            throws IOException {
        Matrix matrix = floatMatrix(name, slab);
        checkRange(matrix.tensor, "columns", firstCol, colCount, matrix.cols);
        checkDestination(matrix.tensor, Math.multiplyExact(colCount, matrix.rows), dst, dstOffset);
        // Blocks of columns narrow enough that one row segment fits a read; typically a single block.
        int maxColsPerBlock = MAX_READ_BYTES / matrix.tensor.dtype().byteSize();
        for (int c = 0; c < colCount; c += maxColsPerBlock) {
            int blockCols = Math.min(maxColsPerBlock, colCount - c);
            readColumnBlock(matrix, firstCol + c, blockCols, dst, dstOffset + (int) (c * matrix.rows));
        }
    }

    /** The whole float tensor {@code name}, of any rank, as float32 in row-major order. */
    public float[] readVector(String name) throws IOException {
        TensorInfo tensor = tensor(name);
        requireFloat(tensor);
        long count = tensor.elementCount();
        // The JVM caps arrays a few elements short of Integer.MAX_VALUE.
        if (count > Integer.MAX_VALUE - 8) {
            throw SafetensorsFormatException.inTensor(path, name, "has " + count + " elements in shape "
                    + TensorInfo.formatShape(tensor.shape()) + "; expected at most " + (Integer.MAX_VALUE - 8)
                    + " to fit one float[]");
        }
        float[] values = new float[(int) count];
        readContiguous(tensor, tensor.dataStart(), count, values, 0);
        return values;
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + header.tensors().size() + " tensors]";
    }

    /** {@code count} elements stored contiguously from absolute position {@code start}, read chunk by chunk. */
    private void readContiguous(TensorInfo tensor, long start, long count, float[] dst, int dstOffset)
            throws IOException {
        int elementBytes = tensor.dtype().byteSize();
        int maxChunkElements = MAX_READ_BYTES / elementBytes;
        ByteBuffer buffer = newBuffer(Math.min(count, maxChunkElements) * elementBytes);
        long done = 0;
        while (done < count) {
            int chunk = (int) Math.min(maxChunkElements, count - done);
            buffer.clear().limit(chunk * elementBytes);
            readFully(tensor, buffer, start + done * elementBytes);
            Floats.decode(tensor.dtype(), buffer, 0, chunk, dst, dstOffset + (int) done);
            done += chunk;
        }
    }

    /**
     * A column slice whose row segment fits one read ({@code colCount * elementBytes <= MAX_READ_BYTES}), read in
     * blocks of rows small enough to stay in cache while they are transposed.
     */
    private void readColumnBlock(Matrix matrix, long firstCol, int colCount, float[] dst, int dstOffset)
            throws IOException {
        TensorInfo tensor = matrix.tensor;
        long rows = matrix.rows;
        if (rows == 0 || colCount == 0) {
            return;
        }
        DType dtype = tensor.dtype();
        int elementBytes = dtype.byteSize();
        long rowStride = matrix.cols * elementBytes;
        int segmentBytes = colCount * elementBytes;
        // Reading the gaps between segments too at most doubles the bytes read, or wastes only a few KB per row.
        boolean wholeRows = rowStride - segmentBytes <= Math.max(segmentBytes, COALESCE_GAP_BYTES);
        // Where row j's segment starts in the buffer: as in the file for whole rows, else packed one after another.
        long bufferStride = wholeRows ? rowStride : segmentBytes;
        long rowsPerBlock = Math.max(1, Math.min(rows, (TRANSPOSE_BLOCK_BYTES - segmentBytes) / bufferStride + 1));
        ByteBuffer buffer = newBuffer((rowsPerBlock - 1) * bufferStride + segmentBytes);
        long firstSegment = matrix.dataStart + firstCol * elementBytes;
        for (long r = 0; r < rows; r += rowsPerBlock) {
            int blockRows = (int) Math.min(rowsPerBlock, rows - r);
            if (wholeRows) {
                buffer.clear().limit((int) ((blockRows - 1) * rowStride + segmentBytes));
                readFully(tensor, buffer, firstSegment + r * rowStride);
            } else {
                buffer.clear();
                for (int j = 0; j < blockRows; j++) {
                    buffer.limit((j + 1) * segmentBytes);
                    readFully(tensor, buffer, firstSegment + (r + j) * rowStride);
                }
            }
            // Column c of rows [r, r + blockRows) is one contiguous run of dst: gather it across the buffered rows.
            for (int c = 0; c < colCount; c++) {
                Floats.decodeStrided(dtype, buffer, c * elementBytes, (int) bufferStride, blockRows, dst,
                        dstOffset + (int) (c * rows + r));
            }
        }
    }

    private static ByteBuffer newBuffer(long bytes) {
        return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void readFully(TensorInfo tensor, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = readAt(buffer, at);
            if (n < 0) {
                // The header was checked against the file size at open, so the file shrank since.
                throw SafetensorsFormatException.inTensor(path, tensor.name(), "file ended at byte " + at
                        + " but the tensor's bytes end at " + tensor.dataEnd() + " (was the file truncated?)");
            }
            at += n;
        }
    }

    /**
     * A positional read that survives other threads being interrupted. An interrupt during a read closes a
     * FileChannel for every thread sharing it; Spark interrupts task threads it kills (speculation, cancelled
     * stages), which must not fail the other tasks reading this file. The interrupted thread itself still fails.
     */
    private int readAt(ByteBuffer buffer, long position) throws IOException {
        FileChannel current = channel;
        try {
            return current.read(buffer, position);
        } catch (ClosedByInterruptException e) {
            throw e;
        } catch (ClosedChannelException e) {
            // AsynchronousCloseException (closed under us mid-read) is one of these too.
            return reopen(current, e).read(buffer, position);
        }
    }

    private synchronized FileChannel reopen(FileChannel stale, ClosedChannelException cause) throws IOException {
        if (closed || Thread.currentThread().isInterrupted()) {
            throw cause;
        }
        if (channel == stale) {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        return channel;
    }

    /**
     * One [rows, cols] float matrix of a tensor: the whole 2-D tensor, or one slab of a 3-D one.
     *
     * @param dataStart absolute byte position of the matrix's first element
     */
    private record Matrix(TensorInfo tensor, long dataStart, long rows, long cols) {
    }

    private Matrix floatMatrix(String name, int slab) throws SafetensorsFormatException {
        TensorInfo tensor = tensor(name);
        int rank = slab < 0 ? 2 : 3;
        if (tensor.rank() != rank) {
            throw SafetensorsFormatException.inTensor(path, name, "has shape " + TensorInfo.formatShape(tensor.shape())
                    + " of rank " + tensor.rank() + "; expected " + (slab < 0 ? "a 2-D [rows, cols] matrix"
                    : "a 3-D [slabs, rows, cols] stack of matrices"));
        }
        requireFloat(tensor);
        if (slab < 0) {
            return new Matrix(tensor, tensor.dataStart(), tensor.dim(0), tensor.dim(1));
        }
        if (slab >= tensor.dim(0)) {
            throw new IndexOutOfBoundsException(path + ": tensor '" + name + "': matrix " + slab + " requested but shape "
                    + TensorInfo.formatShape(tensor.shape()) + " stacks " + tensor.dim(0));
        }
        long rows = tensor.dim(1);
        long cols = tensor.dim(2);
        long start = tensor.dataStart() + slab * rows * cols * tensor.dtype().byteSize();
        return new Matrix(tensor, start, rows, cols);
    }

    private void requireFloat(TensorInfo tensor) throws SafetensorsFormatException {
        if (!tensor.dtype().isFloatWeight()) {
            throw SafetensorsFormatException.inTensor(path, tensor.name(), "dtype " + tensor.dtype()
                    + " cannot be read as float; expected BF16, F16 or F32");
        }
    }

    private void checkRange(TensorInfo tensor, String what, long first, int count, long size) {
        if (first < 0 || count < 0 || first > size - count) {
            throw new IndexOutOfBoundsException(path + ": tensor '" + tensor.name() + "': " + what + " [" + first
                    + ", " + (first + count) + ") requested but shape " + TensorInfo.formatShape(tensor.shape())
                    + " has " + what + " [0, " + size + ")");
        }
    }

    /** @return {@code values}, once {@code dst[dstOffset ..]} is known to hold that many floats */
    private long checkDestination(TensorInfo tensor, long values, float[] dst, int dstOffset) {
        if (dstOffset < 0 || dstOffset > (long) dst.length - values) {
            throw new IndexOutOfBoundsException(path + ": tensor '" + tensor.name() + "': " + values
                    + " floats to write at offset " + dstOffset + " but the destination holds " + dst.length);
        }
        return values;
    }
}
