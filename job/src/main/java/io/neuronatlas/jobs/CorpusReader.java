package io.neuronatlas.jobs;

import io.neuronatlas.corpus.Corpus;
import io.neuronatlas.corpus.CorpusDocument;
import io.neuronatlas.corpus.CorpusException;
import io.neuronatlas.corpus.CorpusFormat;
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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * A corpus as Spark partitions of documents, read by Spark's own readers so that the corpus is split across the
 * cluster as Spark splits files: JSON lines through Hadoop's line reader (which names each line by its byte offset,
 * the document's id, the same for any split size), Parquet through Spark's reader (the row index in the file is the
 * id), text files through binaryFiles (one document each, streamed, never whole in memory). One task per partition.
 */
final class CorpusReader {
    private CorpusReader() {
    }

    static JavaRDD<CorpusDocument> documents(SparkSession spark, Corpus corpus, String column) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<JavaRDD<CorpusDocument>> parts = new ArrayList<>();
        List<String> json = corpus.paths(CorpusFormat.JSON_LINES);
        if (!json.isEmpty()) {
            parts.add(jsonLines(jsc, corpus, json, column));
        }
        List<String> parquet = corpus.paths(CorpusFormat.PARQUET);
        if (!parquet.isEmpty()) {
            parts.add(parquet(spark, corpus, parquet, column));
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
                                                     String column) throws IOException {
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
                    String text = JsonLines.text(t.getBytes(), t.getLength(), column, file, offset);
                    return CorpusDocument.of(file, index, offset, text);
                }
            };
        }, true);
    }

    private static JavaRDD<CorpusDocument> parquet(SparkSession spark, Corpus corpus, List<String> paths,
                                                   String column) {
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
        return rows.select(functions.col(column), functions.col("_metadata.file_path"),
                        functions.col("_metadata.row_index"))
                .javaRDD().map(row -> {
                    String file = Corpus.key(row.getString(1));
                    String text = row.isNullAt(0) ? "" : row.getString(0);
                    return CorpusDocument.of(file, corpus.indexOf(file), row.getLong(2), text);
                });
    }

    private static JavaRDD<CorpusDocument> text(JavaSparkContext jsc, Corpus corpus, List<String> paths) {
        return jsc.binaryFiles(String.join(",", paths)).map(pair -> {
            String file = Corpus.key(pair._1());
            var stream = pair._2();
            return new CorpusDocument(file, corpus.indexOf(file), 0, () -> CorpusDocument.strictUtf8(stream.open()));
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
