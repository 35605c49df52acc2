package io.neuronatlas.compute.forward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.neuronatlas.checkpoint.safetensors.WeightFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An independent float64 Llama-family forward pass in plain loops, written from transformers' modeling_llama.py,
 * modeling_qwen2.py and modeling_rope_utils.py without looking at the DJL code: it reads config.json itself and
 * shares nothing with the code under test but the safetensors reader (tested on its own). Slow; for small models.
 */
final class ReferenceDecoder {
    final int d;
    final int m;
    final int layers;
    final int vocab;
    final int heads;
    final int kvHeads;
    final int hd;
    final double eps;
    final double[] invFreq;
    private final double[][] embed; // [vocab][d]
    private final double[][] head; // [vocab][d]
    private final double[] finalNorm;
    private final Layer[] layer;

    private record Layer(double[] inNorm, double[][] q, double[][] k, double[][] v, double[][] o, double[] qb,
                         double[] kb, double[] vb, double[] ob, double[] postNorm, double[][] gate, double[][] up,
                         double[][] down) {
    }

    ReferenceDecoder(Path dir) throws IOException {
        JsonNode c = new ObjectMapper().readTree(Files.readString(dir.resolve("config.json")));
        d = c.get("hidden_size").asInt();
        m = c.get("intermediate_size").asInt();
        layers = c.get("num_hidden_layers").asInt();
        vocab = c.get("vocab_size").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.path("num_key_value_heads").asInt(heads);
        hd = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : d / heads;
        eps = c.get("rms_norm_eps").asDouble();
        invFreq = inverseFrequencies(c, hd);
        String type = c.get("model_type").asText();
        boolean qkvBias = type.equals("qwen2") || (type.equals("llama") && c.path("attention_bias").asBoolean());
        boolean oBias = type.equals("llama") && c.path("attention_bias").asBoolean();
        try (WeightFiles w = WeightFiles.open(dir)) {
            embed = matrix(w, "model.embed_tokens.weight", vocab, d);
            head = c.path("tie_word_embeddings").asBoolean() ? embed : matrix(w, "lm_head.weight", vocab, d);
            finalNorm = vector(w, "model.norm.weight");
            layer = new Layer[layers];
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                String a = p + "self_attn.";
                layer[l] = new Layer(vector(w, p + "input_layernorm.weight"),
                        matrix(w, a + "q_proj.weight", heads * hd, d), matrix(w, a + "k_proj.weight", kvHeads * hd, d),
                        matrix(w, a + "v_proj.weight", kvHeads * hd, d), matrix(w, a + "o_proj.weight", d, heads * hd),
                        qkvBias ? vector(w, a + "q_proj.bias") : null, qkvBias ? vector(w, a + "k_proj.bias") : null,
                        qkvBias ? vector(w, a + "v_proj.bias") : null, oBias ? vector(w, a + "o_proj.bias") : null,
                        vector(w, p + "post_attention_layernorm.weight"),
                        matrix(w, p + "mlp.gate_proj.weight", m, d), matrix(w, p + "mlp.up_proj.weight", m, d),
                        matrix(w, p + "mlp.down_proj.weight", d, m));
            }
        }
    }

    /** modeling_rope_utils: default, linear and llama3, all in double. */
    static double[] inverseFrequencies(JsonNode c, int dim) {
        double base = c.path("rope_theta").asDouble(10000.0);
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0 / Math.pow(base, 2.0 * i / dim);
        }
        JsonNode s = c.get("rope_scaling");
        if (s == null || s.isNull()) {
            return inv;
        }
        String type = s.has("rope_type") ? s.get("rope_type").asText() : s.get("type").asText();
        double factor = s.path("factor").asDouble();
        if (type.equals("linear")) {
            for (int i = 0; i < inv.length; i++) {
                inv[i] /= factor;
            }
        } else if (type.equals("llama3")) {
            double low = s.get("low_freq_factor").asDouble();
            double high = s.get("high_freq_factor").asDouble();
            double old = s.get("original_max_position_embeddings").asDouble();
            for (int i = 0; i < inv.length; i++) {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen < old / high) {
                    continue;
                }
                if (wavelen > old / low) {
                    inv[i] = inv[i] / factor;
                } else {
                    double smooth = (old / wavelen - low) / (high - low);
                    inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /**
     * Next-token logits after ids, with clamps: layer → (neuron → value), at every position or only the last.
     */
    double[] logits(int[] ids, Map<Integer, Map<Integer, Double>> clamps, boolean lastOnly) {
        int s = ids.length;
        double[][] x = new double[s][];
        for (int p = 0; p < s; p++) {
            x[p] = embed[ids[p]].clone();
        }
        for (int l = 0; l < layers; l++) {
            x = block(l, x, clamps.getOrDefault(l, Map.of()), lastOnly);
        }
        double[] last = rmsNorm(x[s - 1], finalNorm);
        double[] out = new double[vocab];
        for (int t = 0; t < vocab; t++) {
            out[t] = dot(head[t], last);
        }
        return out;
    }

    /** The MLP activation silu(gate)·up of one neuron at every position, unclamped. */
    double[] activation(int[] ids, int targetLayer, int neuron) {
        double[][] x = new double[ids.length][];
        for (int p = 0; p < ids.length; p++) {
            x[p] = embed[ids[p]].clone();
        }
        for (int l = 0; l < targetLayer; l++) {
            x = block(l, x, Map.of(), false);
        }
        double[][] h = attention(targetLayer, x);
        double[] a = new double[ids.length];
        for (int p = 0; p < ids.length; p++) {
            a[p] = mlpActivation(targetLayer, h[p])[neuron];
        }
        return a;
    }

    /** Added for issue 14 (examples): act(gate)·up of every neuron, [layer][position][neuron], unclamped. */
    double[][][] allActivations(int[] ids) {
        double[][] x = new double[ids.length][];
        for (int p = 0; p < ids.length; p++) {
            x[p] = embed[ids[p]].clone();
        }
        double[][][] out = new double[layers][ids.length][];
        for (int l = 0; l < layers; l++) {
            double[][] h = attention(l, x);
            for (int p = 0; p < ids.length; p++) {
                out[l][p] = mlpActivation(l, h[p]);
            }
            x = block(l, x, Map.of(), false);
        }
        return out;
    }

    private double[][] block(int l, double[][] x, Map<Integer, Double> clamp, boolean lastOnly) {
        double[][] h = attention(l, x);
        Layer w = layer[l];
        double[][] out = new double[x.length][];
        for (int p = 0; p < x.length; p++) {
            double[] act = mlpActivation(l, h[p]);
            if (!lastOnly || p == x.length - 1) {
                for (Map.Entry<Integer, Double> e : clamp.entrySet()) {
                    act[e.getKey()] = e.getValue();
                }
            }
            out[p] = h[p].clone();
            for (int i = 0; i < d; i++) {
                out[p][i] += dot(w.down()[i], act);
            }
        }
        return out;
    }

    private double[] mlpActivation(int l, double[] h) {
        Layer w = layer[l];
        double[] n = rmsNorm(h, w.postNorm());
        double[] act = new double[m];
        for (int j = 0; j < m; j++) {
            double g = dot(w.gate()[j], n);
            double u = dot(w.up()[j], n);
            act[j] = g / (1 + Math.exp(-g)) * u;
        }
        return act;
    }

    /** x + o_proj(attn(input_layernorm(x))) for all positions, causal. */
    private double[][] attention(int l, double[][] x) {
        Layer w = layer[l];
        int s = x.length;
        double[][] q = new double[s][];
        double[][] k = new double[s][];
        double[][] v = new double[s][];
        for (int p = 0; p < s; p++) {
            double[] n = rmsNorm(x[p], w.inNorm());
            q[p] = rope(linear(w.q(), w.qb(), n), heads, p);
            k[p] = rope(linear(w.k(), w.kb(), n), kvHeads, p);
            v[p] = linear(w.v(), w.vb(), n);
        }
        double[][] out = new double[s][];
        int group = heads / kvHeads;
        for (int p = 0; p < s; p++) {
            double[] merged = new double[heads * hd];
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                double[] score = new double[p + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= p; j++) {
                    double dotp = 0;
                    for (int i = 0; i < hd; i++) {
                        dotp += q[p][h * hd + i] * k[j][kvh * hd + i];
                    }
                    score[j] = dotp / Math.sqrt(hd);
                    max = Math.max(max, score[j]);
                }
                double total = 0;
                for (int j = 0; j <= p; j++) {
                    score[j] = Math.exp(score[j] - max);
                    total += score[j];
                }
                for (int j = 0; j <= p; j++) {
                    for (int i = 0; i < hd; i++) {
                        merged[h * hd + i] += score[j] / total * v[j][kvh * hd + i];
                    }
                }
            }
            double[] o = linear(w.o(), w.ob(), merged);
            out[p] = x[p].clone();
            for (int i = 0; i < d; i++) {
                out[p][i] += o[i];
            }
        }
        return out;
    }

    /** rotate_half layout: element i pairs with i + hd/2 within each head. */
    private double[] rope(double[] x, int count, int position) {
        double[] y = new double[x.length];
        int half = hd / 2;
        for (int h = 0; h < count; h++) {
            for (int i = 0; i < half; i++) {
                double angle = position * invFreq[i];
                double a = x[h * hd + i];
                double b = x[h * hd + half + i];
                y[h * hd + i] = a * Math.cos(angle) - b * Math.sin(angle);
                y[h * hd + half + i] = b * Math.cos(angle) + a * Math.sin(angle);
            }
        }
        return y;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double xi : x) {
            ss += xi * xi;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = weight[i] * x[i] * scale;
        }
        return y;
    }

    private static double[] linear(double[][] w, double[] bias, double[] x) {
        double[] y = new double[w.length];
        for (int o = 0; o < w.length; o++) {
            y[o] = dot(w[o], x) + (bias == null ? 0 : bias[o]);
        }
        return y;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[][] matrix(WeightFiles w, String name, int rows, int cols) throws IOException {
        float[] flat = new float[rows * cols];
        w.readRows(name, 0, rows, flat, 0);
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = flat[r * cols + c];
            }
        }
        return out;
    }

    private static double[] vector(WeightFiles w, String name) throws IOException {
        float[] f = w.readVector(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }
}
