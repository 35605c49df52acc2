package io.neuronatlas.atlas;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Parquet write support whose records write their own fields, straight from the projection's arrays. Parquet's
 * example Group API would build an object per row; this writes the values in place, which matters at tens of
 * millions of rows.
 */
public final class RecordWriteSupport extends WriteSupport<RecordWriteSupport.Record> {
    /** One row, writing its fields in schema order through a {@link Fields}. */
    @FunctionalInterface
    public interface Record {
        void write(Fields fields);
    }

    /** Writes the fields of one row in schema order. */
    public static final class Fields {
        private final MessageType schema;
        private RecordConsumer consumer;
        private int index;

        Fields(MessageType schema) {
            this.schema = schema;
        }

        public Fields add(int value) {
            String name = start();
            consumer.addInteger(value);
            return end(name);
        }

        public Fields add(long value) {
            String name = start();
            consumer.addLong(value);
            return end(name);
        }

        public Fields add(double value) {
            String name = start();
            consumer.addDouble(value);
            return end(name);
        }

        public Fields add(boolean value) {
            String name = start();
            consumer.addBoolean(value);
            return end(name);
        }

        public Fields add(float value) {
            String name = start();
            consumer.addFloat(value);
            return end(name);
        }

        public Fields add(String value) {
            String name = start();
            consumer.addBinary(Binary.fromString(value));
            return end(name);
        }

        /** An optional string field: null leaves it unset, which Parquet stores as a null. */
        public Fields addNullable(String value) {
            if (value == null) {
                index++;
                return this;
            }
            return add(value);
        }

        /** A list of ints: Parquet's three-level LIST (list.element), empty lists allowed. */
        public Fields addList(int[] values) {
            return list(values.length, i -> consumer.addInteger(values[i]));
        }

        public Fields addList(long[] values) {
            return list(values.length, i -> consumer.addLong(values[i]));
        }

        public Fields addList(float[] values) {
            return list(values.length, i -> consumer.addFloat(values[i]));
        }

        public Fields addList(String[] values) {
            return list(values.length, i -> consumer.addBinary(Binary.fromString(values[i])));
        }

        /** An optional int field: null leaves it unset. */
        public Fields addNullable(Integer value) {
            if (value == null) {
                index++;
                return this;
            }
            return add(value.intValue());
        }

        /** An optional double field: null leaves it unset. */
        public Fields addNullable(Double value) {
            if (value == null) {
                index++;
                return this;
            }
            return add(value.doubleValue());
        }

        private Fields list(int size, java.util.function.IntConsumer element) {
            String name = start();
            consumer.startGroup();
            if (size > 0) {
                consumer.startField("list", 0);
                for (int i = 0; i < size; i++) {
                    consumer.startGroup();
                    consumer.startField("element", 0);
                    element.accept(i);
                    consumer.endField("element", 0);
                    consumer.endGroup();
                }
                consumer.endField("list", 0);
            }
            consumer.endGroup();
            return end(name);
        }

        private String start() {
            String name = schema.getFieldName(index);
            consumer.startField(name, index);
            return name;
        }

        private Fields end(String name) {
            consumer.endField(name, index++);
            return this;
        }
    }

    private final MessageType schema;
    private final Fields fields;

    RecordWriteSupport(MessageType schema) {
        this.schema = schema;
        this.fields = new Fields(schema);
    }

    // Parquet 1.16 still declares the Hadoop-Configuration overloads abstract (and deprecated): they must be
    // implemented.
    @Override
    @SuppressWarnings("deprecation")
    public WriteContext init(Configuration configuration) {
        return new WriteContext(schema, Map.of());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        fields.consumer = recordConsumer;
    }

    @Override
    public void write(Record record) {
        fields.consumer.startMessage();
        fields.index = 0;
        record.write(fields);
        if (fields.index != schema.getFieldCount()) {
            throw new IllegalStateException("a record wrote " + fields.index + " of " + schema.getFieldCount()
                    + " fields of " + schema.getName());
        }
        fields.consumer.endMessage();
    }

    /** A writer of such records. */
    public static final class Builder extends ParquetWriter.Builder<Record, Builder> {
        private final MessageType schema;

        Builder(OutputFile file, MessageType schema) {
            super(file);
            this.schema = schema;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        @SuppressWarnings("deprecation")
        protected WriteSupport<Record> getWriteSupport(Configuration conf) {
            return new RecordWriteSupport(schema);
        }
    }
}
