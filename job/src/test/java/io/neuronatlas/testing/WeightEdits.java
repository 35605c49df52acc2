package io.neuronatlas.testing;

import io.neuronatlas.checkpoint.safetensors.Floats;
import io.neuronatlas.checkpoint.safetensors.SafetensorsFile;
import io.neuronatlas.checkpoint.safetensors.TensorInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Overwrites single elements of a tensor in a safetensors file, in its own dtype: a checkpoint gone bad in place. */
public final class WeightEdits {
    private WeightEdits() {
    }

    /** Sets element (row, column) of the 2-D tensor, or element row of a 1-D one when column is 0. */
    public static void set(Path file, String tensor, long row, long column, float value) throws IOException {
        TensorInfo info;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            info = st.tensor(tensor);
        }
        long columns = info.rank() >= 2 ? info.dim(info.rank() - 1) : 1;
        int size = info.dtype().byteSize();
        ByteBuffer bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        switch (info.dtype()) {
            case BF16 -> bytes.putShort(Floats.floatToBf16(value));
            case F16 -> bytes.putShort(Floats.floatToF16(value));
            case F32 -> bytes.putFloat(value);
            default -> throw new IllegalArgumentException(tensor + " is " + info.dtype());
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(info.dataStart() + (row * columns + column) * size);
            f.write(bytes.array());
        }
    }

    /** Sets every element of a row. */
    public static void setRow(Path file, String tensor, long row, float value) throws IOException {
        long columns;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            columns = st.tensor(tensor).dim(1);
        }
        for (long c = 0; c < columns; c++) {
            set(file, tensor, row, c, value);
        }
    }
}
