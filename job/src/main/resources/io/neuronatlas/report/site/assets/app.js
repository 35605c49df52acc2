// neuron-atlas viewer: the page. Data files are scripts (data/KEY.js) that call NeuronAtlas.put(KEY, value), so
// the site works from file:// (where fetch() of local files is refused) and from any static server alike.
//
// Safety: every string from the data (tokens, snippets, names) reaches the document through textContent,
// createTextNode or setAttribute, never through anything that parses markup; invisible and bidi control
// characters are shown as escapes (core.js visibleParts).
(function () {
  'use strict';
  const C = window.NeuronAtlasCore;
  const FORMAT = 1;
  const MATRIX_NAMES = { gate: 'gate_proj', up: 'up_proj', down: 'down_proj' };
  const MATRIX_ROLE = { gate: 'reads (gate)', up: 'reads (up)', down: 'writes (down)' };
  const STATS = [
    ['norm', 'vector norm'], ['max_score', 'max score'], ['min_score', 'min score'], ['mean_score', 'mean score'],
    ['std_score', 'std of scores'], ['max_abs_score', 'max |score|'], ['logsumexp', 'logsumexp'],
    ['entropy', 'entropy (nats)'], ['vocab_cos_kurtosis', 'kurtosis of cos(w, W_U[t])'],
    ['vocab_cos_skew', 'skew of cos(w, W_U[t])'], ['score_kurtosis', 'kurtosis of scores'],
    ['score_skew', 'skew of scores'],
  ];
  const CENSUS_CLASS = { prediction: 'prediction neuron (raises a few tokens)',
    suppression: 'suppression neuron (lowers a few tokens)' };

  // ---- data loading ----------------------------------------------------------------------------------------
  const loaded = new Map();
  const waiting = new Map();

  window.NeuronAtlas = {
    put(key, value) {
      loaded.set(key, value);
      const w = waiting.get(key);
      if (w) {
        waiting.delete(key);
        w.resolve(value);
      }
    },
  };

  /** The value of data/KEY.js, loaded once as a script. */
  function load(key) {
    if (loaded.has(key)) return Promise.resolve(loaded.get(key));
    if (waiting.has(key)) return waiting.get(key).promise;
    const w = {};
    w.promise = new Promise((resolve, reject) => {
      w.resolve = resolve;
      w.reject = reject;
    });
    waiting.set(key, w);
    const script = document.createElement('script');
    script.src = 'data/' + key + '.js';
    script.onerror = () => {
      waiting.delete(key);
      script.remove();
      w.reject(new Error('could not load data/' + key + '.js'));
    };
    script.onload = () => {
      script.remove();
      if (waiting.get(key) === w) {
        waiting.delete(key);
        w.reject(new Error('data/' + key + '.js did not hand over its data'));
      }
    };
    document.head.appendChild(script);
    return w.promise;
  }

  // ---- DOM helpers: text only ------------------------------------------------------------------------------
  /** An element; attrs are set with setAttribute, children are nodes or strings (text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' || typeof child === 'number'
        ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  /** A token: quoted (by CSS), whitespace kept, invisible characters as escapes, isolated from bidi context. */
  function tok(s) {
    const span = el('span', { class: 'tok' });
    for (const [kind, text] of C.visibleParts(String(s))) {
      span.appendChild(kind === 'e' ? el('span', { class: 'esc' }, text) : document.createTextNode(text));
    }
    return span;
  }

  /** Free text from the data (sources, labels): escapes as tokens have, without the quotes. */
  function plain(s) {
    const span = tok(s);
    span.className = 'plain';
    return span;
  }

  /** Free text as one string, invisible characters as their escapes: for an SVG <title>, which takes no markup. */
  function visibleText(s) {
    return C.visibleParts(String(s)).map(([, text]) => text).join('');
  }

  /** A number as the tables show it; the exact value as the hover text and in data-value. */
  function num(x) {
    return el('span', { class: 'num', title: String(x), 'data-value': String(x) }, C.formatNumber(x));
  }

  function link(hash, ...children) {
    return el('a', { href: hash }, ...children);
  }

  function table(id, headers, rows) {
    return el('table', { id },
      el('thead', null, el('tr', null, headers.map((h) => el('th', null, h)))),
      el('tbody', null, rows.map((cells) => el('tr', null, cells.map((c) => el('td', null, c))))));
  }

  function section(id, title, ...children) {
    return el('section', { id }, el('h2', null, title), ...children);
  }

  const SVG = 'http://www.w3.org/2000/svg';

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
      }
    }
    return node;
  }

  // ---- plots: inline SVG -----------------------------------------------------------------------------------
  /**
   * A line plot: series [{label, xs, ys, cls}], bands [{xs, lo, hi, cls}]. Axes from the data; ticks at the
   * ends and the middle. Each point has a <title> with its values (hover).
   */
  function linePlot(opts) {
    const W = opts.width || 420;
    const H = opts.height || 220;
    const M = { l: 52, r: 12, t: 12, b: 36 };
    const xs = opts.series.flatMap((s) => s.xs).concat((opts.bands || []).flatMap((b) => b.xs));
    const ys = opts.series.flatMap((s) => s.ys).concat((opts.bands || []).flatMap((b) => b.lo.concat(b.hi)))
      .filter((y) => typeof y === 'number' && isFinite(y));
    const x0 = Math.min(...xs);
    const x1 = Math.max(...xs);
    const y0 = opts.yMin !== undefined ? opts.yMin : Math.min(0, ...ys);
    const y1 = opts.yMax !== undefined ? opts.yMax : Math.max(...ys, y0 + 1e-9);
    const sx = (x) => M.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - M.l - M.r);
    const sy = (y) => H - M.b - ((y - y0) / (y1 - y0 || 1)) * (H - M.t - M.b);
    const plot = svg('svg', { class: 'plot ' + (opts.cls || ''), viewBox: '0 0 ' + W + ' ' + H, width: W, height: H,
      role: 'img' });
    plot.appendChild(svg('title', null, opts.title || ''));
    plot.appendChild(svg('line', { class: 'axis', x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }));
    plot.appendChild(svg('line', { class: 'axis', x1: M.l, y1: M.t, x2: M.l, y2: H - M.b }));
    for (const y of [y0, (y0 + y1) / 2, y1]) {
      plot.appendChild(svg('text', { class: 'tick', x: M.l - 4, y: sy(y) + 4, 'text-anchor': 'end' },
        C.formatNumber(y).replace(/\.?0+$/, '') || '0'));
    }
    const xTicks = x1 === x0 ? [x0] : [x0, Math.round((x0 + x1) / 2), x1];
    for (const x of xTicks) {
      plot.appendChild(svg('text', { class: 'tick', x: sx(x), y: H - M.b + 14, 'text-anchor': 'middle' },
        String(x)));
    }
    plot.appendChild(svg('text', { class: 'label', x: (M.l + W - M.r) / 2, y: H - 4, 'text-anchor': 'middle' },
      opts.xLabel || ''));
    plot.appendChild(svg('text', { class: 'label', x: 12, y: (M.t + H - M.b) / 2, 'text-anchor': 'middle',
      transform: 'rotate(-90 12 ' + (M.t + H - M.b) / 2 + ')' }, opts.yLabel || ''));
    for (const b of opts.bands || []) {
      const upper = b.xs.map((x, i) => sx(x) + ',' + sy(b.hi[i]));
      const lower = b.xs.map((x, i) => sx(x) + ',' + sy(b.lo[i])).reverse();
      plot.appendChild(svg('polygon', { class: 'band ' + (b.cls || ''), points: upper.concat(lower).join(' ') }));
    }
    for (const s of opts.series) {
      plot.appendChild(svg('polyline', { class: 'series ' + (s.cls || ''),
        points: s.xs.map((x, i) => sx(x) + ',' + sy(s.ys[i])).join(' ') }));
      s.xs.forEach((x, i) => {
        plot.appendChild(svg('circle', { class: 'point ' + (s.cls || ''), cx: sx(x), cy: sy(s.ys[i]), r: 2.5 },
          svg('title', null, visibleText(s.label) + ' at ' + (opts.xName || 'x') + ' ' + x + ': '
            + C.formatNumber(s.ys[i]))));
      });
    }
    const legend = el('div', { class: 'legend' },
      opts.series.map((s) => el('span', { class: 'key ' + (s.cls || '') }, plain(s.label))),
      (opts.bands || []).map((b) => el('span', { class: 'key band ' + (b.cls || '') }, b.label)));
    return el('figure', { class: 'chart' }, plot, legend);
  }

  /** A histogram: edges (n + 1) and counts (n) as bars, each with a <title>. */
  function histogram(edges, counts, opts) {
    const W = 420;
    const H = 180;
    const M = { l: 52, r: 12, t: 10, b: 34 };
    const top = Math.max(1, ...counts);
    const x0 = edges[0];
    const x1 = edges[edges.length - 1];
    const sx = (x) => M.l + (x1 === x0 ? 0 : (x - x0) / (x1 - x0)) * (W - M.l - M.r);
    const sy = (c) => H - M.b - (c / top) * (H - M.t - M.b);
    const plot = svg('svg', { class: 'plot histogram', viewBox: '0 0 ' + W + ' ' + H, width: W, height: H,
      role: 'img' }, svg('title', null, opts.title));
    plot.appendChild(svg('line', { class: 'axis', x1: M.l, y1: H - M.b, x2: W - M.r, y2: H - M.b }));
    counts.forEach((c, i) => {
      const left = sx(edges[i]);
      const width = Math.max(0.5, sx(edges[i + 1]) - left - 0.5);
      plot.appendChild(svg('rect', { class: 'bar', x: left, y: sy(c), width, height: H - M.b - sy(c) },
        svg('title', null, C.formatNumber(edges[i]) + ' to ' + C.formatNumber(edges[i + 1]) + ': ' + c)));
    });
    for (const x of [x0, x1]) {
      plot.appendChild(svg('text', { class: 'tick', x: sx(x), y: H - M.b + 14, 'text-anchor': 'middle' },
        C.formatNumber(x)));
    }
    plot.appendChild(svg('text', { class: 'tick', x: M.l - 4, y: M.t + 8, 'text-anchor': 'end' }, String(top)));
    plot.appendChild(svg('text', { class: 'label', x: (M.l + W - M.r) / 2, y: H - 4, 'text-anchor': 'middle' },
      opts.xLabel));
    return el('figure', { class: 'chart' }, plot);
  }

  // ---- pages -----------------------------------------------------------------------------------------------
  const view = document.getElementById('view');
  let atlas = null;
  let generation = 0;

  function checkpointByName(name) {
    return atlas.checkpoints.find((c) => c.checkpoint === name);
  }

  function mappedLayers(checkpoint) {
    return checkpoint.parameters.layers.slice().sort((a, b) => a - b);
  }

  function neuronLink(n, ...children) {
    return link(C.neuronHash(n), children.length ? children : C.neuronId(n));
  }

  async function render() {
    const mine = ++generation;
    const hash = location.hash;
    const route = C.parseRoute(hash);
    document.body.dataset.state = 'loading';
    let content;
    try {
      if (!atlas) {
        atlas = await load('atlas');
        if (atlas.format !== FORMAT) {
          throw new Error('data format ' + atlas.format + ', this page reads format ' + FORMAT
            + ': write the site again with this version');
        }
      }
      if (route.page === 'home') content = await homePage();
      else if (route.page === 'search') content = await searchPage(route.query);
      else if (route.page === 'neuron') content = await neuronPage(route);
      else content = message('No such page: ', plain(location.hash), '. ', link('#/', 'Home'));
    } catch (e) {
      if (mine !== generation) return;
      view.replaceChildren(el('p', { class: 'error' }, plain(String(e && e.message ? e.message : e))));
      document.body.dataset.hash = hash;
      document.body.dataset.state = 'error';
      return;
    }
    if (mine !== generation) return; // a newer route is rendering
    view.replaceChildren(content);
    // What tests wait for: the view of this hash is on the page.
    document.body.dataset.route = route.page;
    document.body.dataset.hash = hash;
    document.body.dataset.state = 'ready';
    const box = document.getElementById('search-box');
    if (route.page === 'search' && document.activeElement !== box) box.value = route.query;
  }

  function message(...children) {
    return el('p', { class: 'message' }, ...children);
  }

  // -- home
  async function homePage() {
    document.title = 'neuron-atlas';
    const page = el('div', { class: 'home' });
    page.appendChild(el('h1', null, 'Atlas'));
    page.appendChild(el('p', { class: 'lead' }, 'Every MLP neuron mapped into vocabulary space: type a word in ',
      'the search box to find the neurons aligned with it (case and space variants grouped, most specific first), ',
      'or open a neuron.'));
    const rows = atlas.checkpoints.map((c) => {
      const p = c.parameters;
      const s = c.shapes || {};
      return [
        el('strong', null, plain(c.checkpoint)), plain(c.model_type || ''), String(s.layers), String(s.d_model),
        mlpWidths(s), String(s.vocab), plain(c.dtype || ''), p.matrices.join(', '), C.formatRanges(mappedLayers(c)),
        String(p.top_k), p.fold_norm ? 'yes' : 'no', plain(p.lm_head_tensor || ''),
        el('span', null, (p.watch || []).map((w) => [tok(w), ' '])), plain(c.mapped_at || ''),
        el('code', null, plain(c.fingerprint || '')),
        link('#', 'random neuron'),
      ];
    });
    const checkpoints = table('checkpoints', ['checkpoint', 'model', 'layers', 'd_model', 'd_mlp', 'vocab',
      'dtype', 'matrices', 'mapped layers', 'top-k', 'fold norm', 'LM head', 'watched', 'mapped at', 'fingerprint',
      ''], rows);
    checkpoints.querySelectorAll('tbody tr').forEach((tr, i) => {
      const c = atlas.checkpoints[i];
      tr.lastChild.firstChild.addEventListener('click', (e) => {
        e.preventDefault();
        location.hash = C.neuronHash(C.randomNeuron(c.checkpoint, c.parameters.matrices[0], C.blocksOf(c),
          Math.random));
      });
    });
    page.appendChild(section('checkpoint-list', 'Checkpoints', checkpoints));
    for (const c of atlas.checkpoints) {
      const data = await load(C.alignmentKey(c.index));
      page.appendChild(alignmentSection(c, data));
      if (data.census && data.census.length) page.appendChild(censusSection(c, data.census));
    }
    return page;
  }

  /**
   * The statistics table's rows: those the record has (an atlas from before the census lacks its moments), and for
   * a down_proj column its census class (Gurnee et al.: kurtosis of its cosines with W_U above the map's threshold).
   */
  function statisticRows(matrix, stats) {
    const rows = STATS.filter(([key]) => stats[key] != null).map(([key, label]) => [label, num(stats[key])]);
    if (matrix === 'down' && stats.vocab_cos_kurtosis != null) {
      rows.push(['census class', el('span', { id: 'census-class' },
        stats.census_class ? CENSUS_CLASS[stats.census_class] || plain(stats.census_class) : 'none')]);
    }
    return rows;
  }

  /** Gurnee et al.'s census of the checkpoint's down_proj neurons per layer (canned query census). */
  function censusSection(c, rows) {
    const threshold = c.parameters.census_kurtosis;
    return section('census-' + c.index, ['Prediction and suppression neurons of ', plain(c.checkpoint)],
      el('p', null, 'A down_proj neuron whose cosines with the unembedding rows have a kurtosis above '
        + C.formatNumber(threshold) + ' is a prediction neuron (positive skew: it raises a few tokens) or a ',
        'suppression neuron (negative skew: it lowers them), after Gurnee et al.'),
      linePlot({
        title: c.checkpoint + ': share of down_proj neurons per layer', xName: 'layer', xLabel: 'layer',
        yLabel: 'share', yMin: 0, cls: 'census-plot',
        series: [
          { label: 'prediction', cls: 'up', xs: rows.map((r) => r.layer), ys: rows.map((r) => r.prediction_share) },
          { label: 'suppression', cls: 'down', xs: rows.map((r) => r.layer), ys: rows.map((r) => r.suppression_share) },
        ],
      }),
      table('census-table-' + c.index, ['layer', 'neurons', 'prediction', 'suppression', 'kurtosis median',
        'kurtosis p99', 'kurtosis max'], rows.map((r) => [String(r.layer), String(r.neurons), String(r.prediction),
        String(r.suppression), num(r.kurtosis_p50), num(r.kurtosis_p99), num(r.kurtosis_max)])));
  }

  /** d_mlp, and for a mixture of experts its experts: "24; 3 experts × 16, shared 20". */
  function mlpWidths(s) {
    if (!s.experts) return String(s.d_mlp);
    return s.d_mlp + '; ' + s.experts + ' experts × ' + s.d_expert
      + (s.d_shared_expert ? ', shared ' + s.d_shared_expert : '');
  }

  /** The blog's plots: max |score| quantiles per layer, and the share of neurons above a threshold. */
  function alignmentSection(c, data) {
    const bins = data.bins;
    const edges = Array.from({ length: bins + 1 }, (_, i) => (data.top * i) / bins);
    let at = 0;
    edges.forEach((e, i) => {
      if (Math.abs(e - atlas.alignment.threshold) < Math.abs(edges[at] - atlas.alignment.threshold)) at = i;
    });
    const matrices = C.MATRICES.filter((m) => data.layers.some((l) => l.matrix === m));
    const quantileCharts = el('div', { class: 'charts' }, matrices.map((m) => {
      const rows = data.layers.filter((l) => l.matrix === m);
      const xs = rows.map((r) => r.layer);
      return el('div', { class: 'matrix-chart' }, el('h3', null, MATRIX_NAMES[m]), linePlot({
        title: c.checkpoint + ' ' + MATRIX_NAMES[m] + ': max |score| quantiles per layer',
        xs, xName: 'layer', xLabel: 'layer', yLabel: 'max |score|',
        bands: [{ label: 'p25-p75', xs, lo: rows.map((r) => r.p25), hi: rows.map((r) => r.p75), cls: 'iqr' }],
        series: [
          { label: 'median', xs, ys: rows.map((r) => r.median), cls: 'median' },
          { label: 'p99', xs, ys: rows.map((r) => r.p99), cls: 'p99' },
          { label: 'max', xs, ys: rows.map((r) => r.max), cls: 'max' },
        ],
      }));
    }));
    const select = el('select', { id: 'threshold-' + c.index, 'aria-label': 'threshold' },
      edges.slice(0, bins).map((e, i) => el('option', { value: i }, '> ' + C.formatNumber(e))));
    select.value = String(at);
    const shareChart = el('div', { class: 'share' });
    const drawShare = () => {
      const k = Number(select.value);
      const series = matrices.map((m) => {
        const rows = data.layers.filter((l) => l.matrix === m);
        return {
          label: MATRIX_NAMES[m], cls: m, xs: rows.map((r) => r.layer),
          ys: rows.map((r) => r.histogram.slice(k).reduce((a, b) => a + b, 0) / r.neurons),
        };
      });
      shareChart.replaceChildren(linePlot({
        title: c.checkpoint + ': share of neurons with max |score| above ' + C.formatNumber(edges[k]),
        series, xName: 'layer', xLabel: 'layer', yLabel: 'share above', yMin: 0, yMax: 1, cls: 'share-plot',
      }));
    };
    select.addEventListener('change', drawShare);
    drawShare();
    return section('alignment-' + c.index, ['Vocabulary alignment of ', plain(c.checkpoint)],
      el('p', null, 'max |score| = the largest |neuron vector · token unembedding| over the vocabulary, per layer: ',
        'the quartiles (band), median, p99 and maximum.',
        c.blocks ? ' A layer\'s neurons are those of all its experts together (routed and shared).' : ''),
      quantileCharts,
      el('p', null, 'Share of the layer\'s neurons whose max |score| is above ', select,
        ' (thresholds at the histogram\'s bin edges, ' + bins + ' bins from 0 to ' + C.formatNumber(data.top) + ')'),
      shareChart);
  }

  // -- search
  async function searchPage(query) {
    document.title = 'neuron-atlas: ' + query;
    const norm = C.tokenNorm(query);
    const shard = await load(C.searchShardKey(C.searchBucket(norm, atlas.search.shards)));
    const word = shard.words.find((w) => w.norm === norm);
    const page = el('div', { class: 'search' });
    page.appendChild(el('h1', null, 'Neurons for ', tok(query)));
    if (!word) {
      page.appendChild(message('No token of the vocabulary is ', tok(query), ' or a case or space variant of it ',
        '(the word ', tok(norm), ').'));
      return page;
    }
    const ranked = C.rankVariants(word.variants);
    const variantOf = new Map(ranked.map((v) => [v.c + ':' + v.token_id, v]));
    // A byte-fallback piece or an added token renders like a piece of the same text: say which it is.
    const tokenCell = (v) => C.kindNote(v.kind)
      ? [tok(v.token), el('span', { class: 'kind' }, ' ' + C.kindNote(v.kind))] : tok(v.token);
    const variants = el('ul', { id: 'variants' }, atlas.checkpoints.map((c) => {
      const mine = ranked.filter((v) => v.c === c.index);
      return mine.length ? el('li', null, plain(c.checkpoint), ': ',
        mine.map((v) => [tokenCell(v), el('span', { class: 'id' }, ' #' + v.token_id), ' '])) : null;
    }));
    page.appendChild(el('p', null, 'The word ', tok(norm), ' (token_norm) in the vocabularies:'));
    page.appendChild(variants);
    const n = word.neurons;
    if (!n || n.c.length === 0) {
      page.appendChild(message('No neuron has one of these tokens among its top tokens.'));
      return page;
    }
    const rows = n.c.map((ci, i) => {
      const checkpoint = atlas.checkpoints[ci].checkpoint;
      const at = { checkpoint, matrix: n.matrix[i], layer: n.layer[i], expert: n.expert ? n.expert[i] : null,
        neuron: n.neuron[i] };
      return [String(i + 1), plain(checkpoint), neuronLink(at), n.polarity[i], String(n.rank[i]),
        tokenCell(variantOf.get(ci + ':' + n.token_id[i])), num(n.score[i]), num(n.prob[i]), num(n.normalized_prob[i])];
    });
    page.appendChild(el('p', null, String(n.c.length), n.c.length === atlas.search.limit
      ? ' neurons: the first ' + atlas.search.limit + ' that find-token lists' : ' neurons',
    ', ranked by normalized_prob (prob ÷ mean of the neuron\'s top-100 probs).'));
    page.appendChild(table('results', ['#', 'checkpoint', 'neuron', 'polarity', 'rank', 'token', 'score', 'prob',
      'normalized_prob'], rows));
    return page;
  }

  // -- neuron
  async function neuronPage(route) {
    const c = checkpointByName(route.checkpoint);
    const where = C.neuronId(route);
    if (!c) {
      return message('No checkpoint ', plain(route.checkpoint), ' in this atlas. ', link('#/', 'Home'));
    }
    const layers = mappedLayers(c);
    const blocks = C.blocksOf(c);
    const block = blocks[C.blockIndex(blocks, route.layer, route.expert)];
    if (!c.parameters.matrices.includes(route.matrix) || !block || route.neuron >= block.width) {
      return message('No neuron ', where, ' in the map of ', plain(c.checkpoint), ' (matrices ',
        c.parameters.matrices.join(', '), '; layers ', C.formatRanges(layers), '; ', mapExtent(c, blocks, route),
        '). ', link('#/', 'Home'));
    }
    const per = atlas.neurons_per_shard;
    const shard = await load(C.neuronShardKey(c.index, route.layer, route.expert, route.neuron - (route.neuron % per)));
    const sameIndex = (m) => shard.neurons.find((r) => r.matrix === m && r.neuron === route.neuron
      && (r.expert == null ? null : r.expert) === route.expert);
    const record = sameIndex(route.matrix);
    if (!record) throw new Error('the site has no record of ' + where + ' (data incomplete?)');
    document.title = 'neuron-atlas: ' + c.checkpoint + ' ' + where;

    const page = el('div', { class: 'neuron' });
    page.appendChild(el('p', { class: 'crumbs' }, link('#/', 'atlas'), ' › ', plain(c.checkpoint), ' › ',
      MATRIX_NAMES[route.matrix], ' › layer ' + route.layer,
      route.expert == null ? '' : ' › ' + expertName(route.expert), ' › neuron ' + route.neuron));
    page.appendChild(el('h1', null, plain(c.checkpoint), ' ', el('span', { id: 'neuron-id' }, where)));
    const random = link('#', 'random');
    random.id = 'random';
    random.addEventListener('click', (e) => {
      e.preventDefault();
      location.hash = C.neuronHash(C.randomNeuron(c.checkpoint, route.matrix, blocks, Math.random));
    });
    page.appendChild(el('nav', { class: 'steps' },
      el('a', { id: 'prev', href: C.neuronHash(C.neighbour(route, -1, blocks)) }, '‹ previous'), ' ',
      el('a', { id: 'next', href: C.neuronHash(C.neighbour(route, 1, blocks)) }, 'next ›'), ' ', random,
      el('span', { class: 'matrices' }, ' same index: ', C.MATRICES.filter((m) => c.parameters.matrices.includes(m))
        .map((m) => [m === route.matrix ? el('strong', null, m)
          : el('a', { href: C.neuronHash(Object.assign({}, route, { matrix: m })), class: 'matrix-' + m }, m), ' ']))));

    page.appendChild(el('div', { class: 'polarities' },
      topTokens('top-positive', '+ polarity: the tokens it aligns with most', record.positive),
      topTokens('top-negative', '− polarity: the tokens it is most anti-aligned with', record.negative)));
    page.appendChild(section('statistics', 'Statistics over the whole vocabulary',
      table('stats', ['statistic', 'value'], statisticRows(route.matrix, record.stats))));

    const others = C.MATRICES.filter((m) => m !== route.matrix).map((m) => [m, sameIndex(m)]).filter(([, r]) => r);
    if (others.length) {
      page.appendChild(section('same-index', 'The same neuron in the other matrices',
        el('p', null, 'Neuron ' + route.neuron + ' of layer ' + route.layer
          + (route.expert == null ? '' : ', ' + expertName(route.expert)) + ': gate_proj and up_proj rows are what it ',
          'reads from the residual stream, the down_proj column what it writes.'),
        others.map(([m, r]) => el('div', { class: 'other-matrix', id: 'same-' + m },
          el('h3', null, neuronLink(Object.assign({}, route, { matrix: m }), MATRIX_NAMES[m] + ' ' + route.neuron),
            ' ', MATRIX_ROLE[m]),
          el('p', null, '+ ', r.positive.token.slice(0, 5).map((t) => [tok(t), ' '])),
          el('p', null, '− ', r.negative.token.slice(0, 5).map((t) => [tok(t), ' ']))))));
    }
    if (record.profile) page.appendChild(profileSection(record.profile));
    if (record.elsewhere) page.appendChild(elsewhereSection(route, record.elsewhere));
    // The activation's sections (examples, statistics, clamp, validation) are of act(gate)·up at this layer and
    // index, not of one matrix: the site puts them on one record of the index, and every matrix's page shows them.
    const records = [record].concat(C.MATRICES.map(sameIndex).filter((r) => r && r !== record));
    const activation = (field) => {
      const holder = records.find((r) => r[field] !== undefined);
      return holder === undefined ? undefined : holder[field];
    };
    const examples = activation('examples');
    const activations = activation('activations');
    const quantiles = activation('quantiles');
    const clamp = activation('clamp');
    const validation = activation('validation');
    if (examples || activations || clamp || validation) {
      page.appendChild(el('p', { class: 'note', id: 'activation-note' }, 'Below: the activation act(gate)·up of ',
        'neuron ' + route.neuron + ' of layer ' + route.layer + ' (the input of down_proj), the same on its gate, up ',
        'and down pages.'));
    }
    if (examples) page.appendChild(examplesSection(examples));
    if (activations) page.appendChild(activationsSection(activations));
    if (quantiles) page.appendChild(quantilesSection(quantiles));
    if (clamp) page.appendChild(clampSection(clamp));
    if (validation) page.appendChild(validationSection(validation));
    return page;
  }

  /** How the pages name an expert: "expert 5", "the shared expert". */
  function expertName(expert) {
    return expert === 'shared' ? 'the shared expert' : 'expert ' + expert;
  }

  /** What the map has in the route's layer: its neurons, or its experts and theirs. */
  function mapExtent(c, blocks, route) {
    if (!c.blocks) return 'neurons 0-' + (c.shapes.d_mlp - 1);
    const mine = blocks.filter((b) => b.layer === route.layer);
    if (!mine.length) return 'no layer ' + route.layer + ' mapped';
    return 'layer ' + route.layer + ': ' + mine.map((b) => (b.expert == null ? 'a dense MLP'
      : expertName(b.expert)) + ' (neurons 0-' + (b.width - 1) + ')').join(', ');
  }

  /** One polarity's top tokens: columns of arrays (token_id, token, score, prob, normalized_prob). */
  function topTokens(id, title, t) {
    const best = Math.max(...t.normalized_prob, 1e-9);
    const rows = t.token.map((token, i) => [String(i + 1), tok(token), el('span', { class: 'id' }, String(t.token_id[i])),
      num(t.score[i]), num(t.prob[i]),
      el('span', { class: 'with-bar' }, num(t.normalized_prob[i]), bar(t.normalized_prob[i] / best))]);
    return section(id + '-section', title,
      table(id, ['rank', 'token', 'id', 'score', 'prob', 'normalized_prob'], rows));
  }

  function bar(fraction) {
    const b = el('span', { class: 'bar' });
    b.style.width = Math.max(0, Math.min(1, fraction)) * 60 + 'px';
    return b;
  }

  function profileSection(profile) {
    return section('profile', 'Watched tokens (map --watch)',
      table('profile-table', ['token', 'score', 'prob', 'normalized_prob', 'rank in its layer'], profile.map((p) => [
        tok(p.token), num(p.score), num(p.prob), num(p.normalized_prob),
        p.layer_rank + ' of ' + p.layer_neurons])));
  }

  function elsewhereSection(route, list) {
    return section('elsewhere', 'The same neuron in the other checkpoints of these shapes',
      table('elsewhere-table', ['checkpoint', 'top token', 'normalized_prob', 'bottom token', 'normalized_prob'],
        list.map((e) => [neuronLink(Object.assign({}, route, { checkpoint: e.checkpoint }), plain(e.checkpoint)),
          tok(e.top_token), num(e.top_normalized_prob), tok(e.bottom_token), num(e.bottom_normalized_prob)])));
  }

  /** The largest |value| of examples' tokens: what shading divides by, so shades compare across lists. */
  function scaleOf(examples) {
    return Math.max(1e-12, ...examples.flatMap((x) => x.values.map((v) => (v == null ? 0 : Math.abs(v)))));
  }

  /**
   * examples: {max: [example], min: [example]}, example {tokens, values, at, source}: the most positive and the
   * most negative examples, each token shaded by its value over the largest |value| shown (orange positive, blue
   * negative), the value on hover, the extreme token (at) outlined.
   */
  function examplesSection(examples) {
    const max = examples.max || [];
    const min = examples.min || [];
    const scale = scaleOf(max.concat(min));
    return section('examples', 'Max-activating examples',
      el('p', { class: 'note' }, 'Shading: activation ÷ ' + C.formatNumber(scale),
        ' (the largest |activation| shown); hover a token for its value; the extreme token is outlined. ',
        'The first ' + Math.max(max.length, min.length) + ' of each sign, a few tokens around the extreme one.'),
      max.length ? el('div', { id: 'examples-max' }, el('h3', null, 'Most positive'), examplesList(max, scale))
        : null,
      min.length ? el('div', { id: 'examples-min' }, el('h3', null, 'Most negative'), examplesList(min, scale))
        : null);
  }

  function examplesList(examples, scale) {
    return el('ol', { class: 'examples' }, examples.map((x) => el('li', { class: 'example' },
      el('span', { class: 'snippet' }, x.tokens.map((t, i) => shaded(t, x.values[i], scale, i === x.at))),
      x.at === undefined ? null : el('span', { class: 'example-max' }, ' ', num(x.values[x.at])),
      x.source === undefined ? null : el('span', { class: 'source' }, ' ', plain(x.source)))));
  }

  /** A window token shaded by its value; null: a token its expert was not routed, which has no activation. */
  function shaded(token, value, scale, peak) {
    const span = el('span', { class: peak ? 'act peak' : 'act',
      title: value == null ? 'not routed to this expert' : C.formatNumber(value),
      'data-value': String(value) });
    for (const [kind, text] of C.visibleParts(String(token))) {
      span.appendChild(kind === 'e' ? el('span', { class: 'esc' }, text) : document.createTextNode(text));
    }
    if (value == null) return span;
    const a = Math.min(1, Math.abs(value) / scale);
    span.style.backgroundColor = value >= 0 ? 'rgba(255, 140, 0, ' + a.toFixed(3) + ')'
      : 'rgba(40, 120, 255, ' + a.toFixed(3) + ')';
    return span;
  }

  /**
   * activations: {edges: [n + 1], counts: [n], density?: share of positions with |activation| above a tenth of
   * the largest, stats?: [{name, value}]}.
   */
  function activationsSection(h) {
    const stats = h.stats || [];
    return section('activations', 'Activation histogram',
      h.density === undefined ? null : el('p', null, 'Density: ', num(h.density * 100),
        ' % of positions above a tenth of the largest |activation|.'),
      histogram(h.edges, h.counts, { title: 'activations', xLabel: 'activation' }),
      stats.length ? table('activation-stats', ['statistic', 'value'], stats.map((m) => [plain(m.name), num(m.value)]))
        : null);
  }

  /** quantiles: [{label, lo?, hi?, examples: [...]}], bands of the activation distribution with sampled examples. */
  function quantilesSection(bands) {
    const scale = scaleOf(bands.flatMap((b) => b.examples));
    return section('quantiles', 'Quantile samples', bands.map((b) => el('div', { class: 'band-samples' },
      el('h3', null, plain(b.label), b.lo === undefined ? null : [' (', num(b.lo), ' to ', num(b.hi), ')']),
      examplesList(b.examples, scale))));
  }

  /** clamp: {x_label, y_label, curves: [{label, prompt?, scope?, x: [...], y: [...]}]}. */
  function clampSection(clamp) {
    const label = (curve) => curve.label + (curve.prompt === undefined ? '' : ' · ' + curve.prompt)
      + (curve.scope === undefined ? '' : ' (scope ' + curve.scope + ')');
    return section('clamp', 'Clamp curves', linePlot({
      title: 'clamp sweep', xName: clamp.x_label, xLabel: clamp.x_label, yLabel: clamp.y_label, cls: 'clamp-plot',
      series: clamp.curves.map((curve, i) => ({ label: label(curve), xs: curve.x, ys: curve.y, cls: 'c' + (i % 6) })),
    }));
  }

  /** validation: [{target?, scope?, verdict, detail?, metrics?: [{name, value}]}], one per validated target. */
  function validationSection(list) {
    return section('validation', 'Validation', list.map((v, i) => {
      const metrics = (v.metrics || []).map((m) => [m.name, m.value]);
      return el('div', { class: 'validation' },
        el('p', null, v.target === undefined ? null : ['Target ', tok(v.target),
          v.scope === undefined ? '' : ' (scope ' + v.scope + ')', ': '],
          'verdict ', el('strong', { class: 'verdict' }, plain(v.verdict))),
        v.detail === undefined ? null : el('p', { class: 'detail' }, plain(v.detail)),
        metrics.length ? table(i === 0 ? 'validation-metrics' : 'validation-metrics-' + i, ['metric', 'value'],
          metrics.map(([k, x]) => [plain(k), num(x)])) : null);
    }));
  }

  // ---- start -----------------------------------------------------------------------------------------------
  document.getElementById('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const query = document.getElementById('search-box').value;
    if (query.length) location.hash = C.searchHash(query);
  });
  window.addEventListener('hashchange', render);
  render();
})();
