package io.neuronatlas.jobs;

import io.neuronatlas.corpus.Corpus;
import io.neuronatlas.corpus.CorpusDocument;
import io.neuronatlas.corpus.CorpusException;
import io.neuronatlas.corpus.CorpusFormat;
import io.neuronatlas.corpus.DocumentIdField;
import io.neuronatlas.corpus.JsonLines;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * A corpus as Spark partitions of documents, read by Spark's own readers so that the corpus is split across the
 * cluster as Spark splits files: JSON lines through Hadoop's line reader (which names each line by its byte offset,
 * the document's id, the same for any split size), Parquet through Spark's reader (the row index in the file is the
 * id), text files through binaryFiles (one document each, streamed, never whole in memory). One task per partition.
 * JSON lines and Parquet documents also carry the corpus's own id ({@link DocumentIdField}).
 */
final class CorpusReader {
    private CorpusReader() {
    }

    static JavaRDD<CorpusDocument> documents(SparkSession spark, Corpus corpus, String column, DocumentIdField ids)
            throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<JavaRDD<CorpusDocument>> parts = new ArrayList<>();
        List<String> json = corpus.paths(CorpusFormat.JSON_LINES);
        if (!json.isEmpty()) {
            parts.add(jsonLines(jsc, corpus, json, column, ids));
        }
        List<String> parquet = corpus.paths(CorpusFormat.PARQUET);
        if (!parquet.isEmpty()) {
            parts.add(parquet(spark, corpus, parquet, column, ids));
        }
        List<String> text = corpus.paths(CorpusFormat.TEXT);
        if (!text.isEmpty()) {
            parts.add(text(jsc, corpus, text));
        }
        JavaRDD<CorpusDocument> all = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            all = all.union(parts.get(i));
        }
        return all;
    }

    @SuppressWarnings("unchecked")
    private static JavaRDD<CorpusDocument> jsonLines(JavaSparkContext jsc, Corpus corpus, List<String> paths,
                                                     String column, DocumentIdField ids) throws IOException {
        Job job = Job.getInstance(jsc.hadoopConfiguration());
        FileInputFormat.setInputPaths(job, paths.stream().map(Path::new).toArray(Path[]::new));
        JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>) jsc.newAPIHadoopRDD(
                job.getConfiguration(), TextInputFormat.class, LongWritable.class, Text.class);
        return lines.mapPartitionsWithInputSplit((split, it) -> {
            String file = Corpus.key(((FileSplit) split).getPath().toString());
            int index = corpus.indexOf(file);
            return new Iterator<CorpusDocument>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public CorpusDocument next() {
                    var line = it.next();
                    long offset = line._1().get();
                    Text t = line._2();
                    // The reader reuses its Text: the field is decoded now.
                    JsonLines.Line read = JsonLines.read(t.getBytes(), t.getLength(), column, ids, file, offset);
                    return CorpusDocument.of(file, index, offset, read.id(), read.text());
                }
            };
        }, true);
    }

    private static JavaRDD<CorpusDocument> parquet(SparkSession spark, Corpus corpus, List<String> paths,
                                                   String column, DocumentIdField ids) {
        Dataset<Row> rows;
        try {
            rows = spark.read().parquet(paths.toArray(String[]::new));
        } catch (RuntimeException e) {
            throw new CorpusException("cannot read the Parquet corpus files " + keys(paths) + " as Parquet: "
                    + firstLine(e), e);
        }
        StructField field = Arrays.stream(rows.schema().fields()).filter(f -> f.name().equals(column)).findFirst()
                .orElseThrow(() -> new CorpusException("the Parquet corpus files " + keys(paths) + " have no column '"
                        + column + "' (columns: " + Arrays.toString(rows.schema().fieldNames()) + "); name the text "
                        + "column with --text-column"));
        if (!field.dataType().equals(DataTypes.StringType)) {
            throw new CorpusException("the Parquet corpus files " + keys(paths) + ": column '" + column + "' is "
                    + field.dataType().simpleString() + ", not a string");
        }
        Column id = idColumn(rows, paths, ids);
        return rows.select(functions.col(column), functions.col("_metadata.file_path"),
                        functions.col("_metadata.row_index"), id)
                .javaRDD().map(row -> {
                    String file = Corpus.key(row.getString(1));
                    String text = row.isNullAt(0) ? "" : row.getString(0);
                    if (ids.required() && row.isNullAt(3)) {
                        throw new CorpusException(file + ", row " + row.getLong(2) + ": column '" + ids.name()
                                + "' is null, which --id-field " + ids.name() + " requires of every row");
                    }
                    return CorpusDocument.of(file, corpus.indexOf(file), row.getLong(2), row.getString(3), text);
                });
    }

    /** The id column as a string: a string or integer column; null when the default column is absent. */
    private static Column idColumn(Dataset<Row> rows, List<String> paths, DocumentIdField ids) {
        StructField field = Arrays.stream(rows.schema().fields()).filter(f -> f.name().equals(ids.name()))
                .findFirst().orElse(null);
        if (field == null) {
            if (ids.required()) {
                throw new CorpusException("the Parquet corpus files " + keys(paths) + " have no column '"
                        + ids.name() + "' (columns: " + Arrays.toString(rows.schema().fieldNames()) + "), which "
                        + "--id-field " + ids.name() + " names");
            }
            return functions.lit(null).cast(DataTypes.StringType);
        }
        DataType type = field.dataType();
        if (!List.of(DataTypes.StringType, DataTypes.LongType, DataTypes.IntegerType, DataTypes.ShortType,
                DataTypes.ByteType).contains(type)) {
            throw new CorpusException("the Parquet corpus files " + keys(paths) + ": the document id column '"
                    + ids.name() + "' is " + type.simpleString() + ", not a string or an integer");
        }
        return functions.col(ids.name()).cast(DataTypes.StringType);
    }

    private static JavaRDD<CorpusDocument> text(JavaSparkContext jsc, Corpus corpus, List<String> paths) {
        return jsc.binaryFiles(String.join(",", paths)).map(pair -> {
            String file = Corpus.key(pair._1());
            var stream = pair._2();
            return new CorpusDocument(file, corpus.indexOf(file), 0, null,
                    () -> CorpusDocument.strictUtf8(stream.open()));
        });
    }

    private static List<String> keys(List<String> paths) {
        return paths.stream().map(Corpus::key).toList();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
