package io.neuronatlas.atlas;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Writes token_neurons block files from one task: rows arrive in token_id order, each block's rows (all of them:
 * the task was given whole blocks) go to that block's {@link TableFile}, committed when the next block begins. A
 * file is written in the {@link TokenLayout#LOOKUP} layout, so within a block a token's rows are a page or two.
 */
public final class TokenNeuronsWriter implements Closeable {
    private final Configuration conf;
    private final Path runDir;
    private final String relativeRunDir;
    private final long attempt;
    private final List<String> committed = new ArrayList<>();
    private TableFile file;
    private int block = -1;
    private int lastTokenId = -1;

    /** @param attempt the task attempt writing the blocks: two attempts of one task never share a file */
    public TokenNeuronsWriter(Configuration conf, String atlas, String checkpoint, String run, long attempt) {
        this.conf = conf;
        this.relativeRunDir = MapTables.TOKEN_NEURONS + "/" + AtlasPaths.runPath(checkpoint, run);
        this.runDir = new Path(new Path(atlas), relativeRunDir);
        this.attempt = attempt;
    }

    /** Appends one neuron_tokens row; token ids must not decrease. */
    public void write(String matrix, int layer, String expert, int neuron, String polarity, int rank, int tokenId,
                      String token, float score, float prob, float normalizedProb) throws IOException {
        if (tokenId < lastTokenId) {
            throw new IllegalStateException("token_neurons rows out of order: token id " + tokenId + " after "
                    + lastTokenId);
        }
        lastTokenId = tokenId;
        int rowBlock = MapTables.tokenBlock(tokenId);
        if (rowBlock != block) {
            commitBlock();
            block = rowBlock;
            file = TableFile.open(conf, runDir, MapTables.tokenNeuronsFile(block), attempt,
                    MapTables.TOKEN_NEURONS_FILE, TokenLayout.LOOKUP, TokenLayout.LOOKUP::lookup);
        }
        file.write(f -> f.add(matrix).add(layer).addNullable(expert).add(neuron).add(polarity).add(rank).add(tokenId)
                .add(token).add(score).add(prob).add(normalizedProb));
    }

    private void commitBlock() throws IOException {
        if (file != null) {
            file.commit();
            committed.add(relativeRunDir + "/" + MapTables.tokenNeuronsFile(block));
            file = null;
        }
    }

    /** Commits the last block; the files written, relative to the atlas. */
    public List<String> commit() throws IOException {
        commitBlock();
        return List.copyOf(committed);
    }

    /** Without a commit, drops the block file being written. */
    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
