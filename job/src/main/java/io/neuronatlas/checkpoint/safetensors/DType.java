package io.neuronatlas.checkpoint.safetensors;

/**
 * The element types a safetensors header can name, with their storage width.
 *
 * <p>Only {@link #isFloatWeight() BF16, F16 and F32} can be read as weights; the rest are known so that a
 * checkpoint holding them (position ids, quantisation scales) still opens and validates. The sub-byte types of
 * newer safetensors versions (F4, F6_*) are deliberately absent: no per-element byte size describes them.
 */
public enum DType {
    BOOL(1),
    U8(1),
    I8(1),
    F8_E4M3(1),
    F8_E5M2(1),
    F8_E8M0(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    C64(8),
    F64(8),
    I64(8),
    U64(8);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element occupies in the data area. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether tensors of this type can be read as float32 weights. */
    public boolean isFloatWeight() {
        return this == BF16 || this == F16 || this == F32;
    }

    /**
     * The type a header's {@code "dtype"} string names (exact, case-sensitive, as the format specifies).
     *
     * @return the type, or {@code null} when the name is unknown; the header reader turns that into an error
     *     naming the file and tensor, which this enum cannot know.
     */
    public static DType parse(String headerName) {
        if (headerName == null) {
            return null;
        }
        for (DType type : values()) {
            if (type.name().equals(headerName)) {
                return type;
            }
        }
        return null;
    }
}
