package io.neuronatlas.checkpoint.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor lives in a safetensors file: its type, its shape and its bytes.
 *
 * <p>Plain, immutable data: the shape is copied in and out, and equality compares it by value.
 *
 * @param name the tensor's key in the header
 * @param dtype the element type
 * @param shape the dimensions, outermost first, e.g. {@code [d_mlp, d_model]} for an up_proj weight
 * @param dataStart absolute byte position of the first element in the file (header included)
 * @param dataEnd absolute byte position one past the last element
 */
public record TensorInfo(String name, DType dtype, long[] shape, long dataStart, long dataEnd) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "tensor '" + name + "': shape " + formatShape(shape) + " has a negative dimension");
            }
        }
        if (dataStart < 0 || dataEnd < dataStart) {
            throw new IllegalArgumentException("tensor '" + name + "': byte range [" + dataStart + ", " + dataEnd
                    + ") is not a range of file positions");
        }
        long needed = Math.multiplyExact(product(shape), dtype.byteSize());
        if (dataEnd - dataStart != needed) {
            throw new IllegalArgumentException("tensor '" + name + "': byte range [" + dataStart + ", " + dataEnd
                    + ") holds " + (dataEnd - dataStart) + " bytes but shape " + formatShape(shape) + " x "
                    + dtype + " needs " + needed + " bytes");
        }
    }

    /** A copy of the dimensions; use {@link #dim(int)} in loops to avoid the copy. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Product of the dimensions: 1 for a scalar, 0 when any dimension is 0. */
    public long elementCount() {
        return product(shape);
    }

    public long byteLength() {
        return dataEnd - dataStart;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo other
                && name.equals(other.name)
                && dtype == other.dtype
                && Arrays.equals(shape, other.shape)
                && dataStart == other.dataStart
                && dataEnd == other.dataEnd;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), dataStart, dataEnd);
    }

    @Override
    public String toString() {
        return "TensorInfo[name=" + name + ", dtype=" + dtype + ", shape=" + formatShape(shape)
                + ", bytes=[" + dataStart + ", " + dataEnd + ")]";
    }

    /** Shapes as error messages and logs print them: {@code [4096, 14336]}. */
    static String formatShape(long[] shape) {
        return Arrays.toString(shape);
    }

    /** @throws ArithmeticException when the element count does not fit a long */
    static long product(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }
}
