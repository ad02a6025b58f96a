// sam3j serve: one page over the REST API. The masks are drawn here from the COCO RLE of the answers.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const canvas = $('canvas');
  const ctx = canvas.getContext('2d');

  /** Everything the page knows; exposed as window.sam3 for the browser test. */
  const state = {
    imageId: null, width: 0, height: 0, image: null,
    points: [],        // [x, y, label] in image pixels
    box: null,         // [x0, y0, x1, y1] of an interactive prompt
    exemplars: [],     // [x0, y0, x1, y1, label] of a concept prompt
    result: null,      // the last answer of /segment
    hidden: new Set(), // indices (in result.instances) not drawn
    busy: false, pending: null, completed: 0, lastRequest: null,
  };
  window.sam3 = state;

  function mode() { return document.querySelector('input[name="mode"]:checked').value; }

  function setMode(m) { document.querySelector('input[name="mode"][value="' + m + '"]').checked = true; }

  function status(text, isError) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }

  function setBusy(b) {
    state.busy = b;
    document.body.dataset.busy = String(b);
  }

  async function answer(res) {
    let body = null;
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) throw new Error((body && body.error) || ('HTTP ' + res.status));
    return body;
  }

  // ------------------------------------------------------------------------------------------ upload

  $('file').addEventListener('change', async () => {
    const f = $('file').files[0];
    if (!f) return;
    const url = URL.createObjectURL(f);
    const img = new Image();
    img.onload = () => {
      state.image = img;
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      redraw();
    };
    img.src = url;
    state.imageId = null;
    state.result = null;
    clearPrompts(false);
    renderList();
    setBusy(true);
    status('Encoding the image…');
    const form = new FormData();
    form.append('image', f);
    try {
      const t0 = performance.now();
      const r = await answer(await fetch('v1/images', { method: 'POST', body: form }));
      state.imageId = r.id;
      state.width = r.width;
      state.height = r.height;
      status('Image encoded in ' + ((performance.now() - t0) / 1000).toFixed(1) + ' s: type a phrase or click on it.');
    } catch (e) {
      status(e.message, true);
    } finally {
      setBusy(false);
      state.completed++;
    }
  });

  // ------------------------------------------------------------------------------------------ prompts

  function textPrompt() {
    const p = { text: $('text').value.trim(), threshold: parseFloat($('threshold').value) };
    if (state.exemplars.length) p.boxes = state.exemplars;
    if (!p.text) delete p.text;
    return p;
  }

  function clickPrompt() {
    const p = {};
    if (state.points.length) p.points = state.points;
    if (state.box) p.box = state.box;
    return p;
  }

  function run() {
    if (!state.imageId) { status('Choose an image first.', true); return; }
    const p = mode() === 'text' ? textPrompt() : clickPrompt();
    if (mode() === 'text' && !p.text && !p.boxes) { status('Type a phrase (or drag exemplar boxes).', true); return; }
    if (mode() === 'click' && !p.points && !p.box) { redraw(); return; }
    if (state.busy) { state.pending = p; return; } // one request at a time: the latest prompt wins
    send(p);
  }

  async function send(p) {
    setBusy(true);
    state.lastRequest = p;
    status('Segmenting…');
    try {
      const t0 = performance.now();
      const r = await answer(await fetch('v1/images/' + state.imageId + '/segment', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(p),
      }));
      state.result = r;
      state.hidden = new Set();
      decodeAll(r);
      const n = r.instances.length;
      status(n + (n === 1 ? ' instance' : ' instances') + ' (' + ((performance.now() - t0) / 1000).toFixed(1) + ' s)');
    } catch (e) {
      status(e.message, true);
    } finally {
      setBusy(false);
      renderList();
      redraw();
      state.completed++;
      if (state.pending) { const next = state.pending; state.pending = null; send(next); }
    }
  }

  $('text-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setMode('text');
    run();
  });

  let sliderTimer = null;
  $('threshold').addEventListener('input', () => {
    $('threshold-value').textContent = parseFloat($('threshold').value).toFixed(2);
    clearTimeout(sliderTimer);
    if (mode() === 'text' && $('text').value.trim()) sliderTimer = setTimeout(run, 250);
  });

  function clearPrompts(andRedraw) {
    state.points = [];
    state.box = null;
    state.exemplars = [];
    if (andRedraw) redraw();
  }

  $('clear').addEventListener('click', () => {
    clearPrompts(false);
    state.result = null;
    renderList();
    redraw();
  });

  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener('change', () => {
    clearPrompts(true);
  }));

  // ------------------------------------------------------------------------------------------ mouse

  function imagePoint(e) {
    const r = canvas.getBoundingClientRect();
    const x = (e.clientX - r.left) * canvas.width / r.width;
    const y = (e.clientY - r.top) * canvas.height / r.height;
    return [Math.max(0, Math.min(canvas.width, Math.round(x))), Math.max(0, Math.min(canvas.height, Math.round(y)))];
  }

  let drag = null;
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('mousedown', (e) => {
    if (!state.imageId) return;
    drag = { start: imagePoint(e), client: [e.clientX, e.clientY], negative: e.shiftKey || e.button === 2 };
  });
  canvas.addEventListener('mousemove', (e) => {
    if (!drag) return;
    drag.end = imagePoint(e);
    redraw();
  });
  window.addEventListener('mouseup', (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    const moved = Math.hypot(e.clientX - d.client[0], e.clientY - d.client[1]);
    const end = imagePoint(e);
    if (moved < 5) {
      if (mode() === 'text') { setMode('click'); clearPrompts(false); }
      state.points.push([d.start[0], d.start[1], d.negative ? 0 : 1]);
    } else {
      const b = [Math.min(d.start[0], end[0]), Math.min(d.start[1], end[1]),
        Math.max(d.start[0], end[0]), Math.max(d.start[1], end[1])];
      if (mode() === 'text') state.exemplars.push(b.concat([d.negative ? 0 : 1]));
      else state.box = b;
    }
    redraw();
    run();
  });

  // ------------------------------------------------------------------------------------------ drawing

  /** Decodes COCO's compact RLE counts string (pycocotools rleFrString). */
  function decodeCounts(s) {
    const counts = [];
    let p = 0;
    while (p < s.length) {
      let x = 0, k = 0, more = true;
      while (more) {
        const c = s.charCodeAt(p) - 48;
        x |= (c & 0x1f) << (5 * k);
        more = (c & 0x20) !== 0;
        p++;
        k++;
        if (!more && (c & 0x10)) x |= -1 << (5 * k);
      }
      if (counts.length > 2) x += counts[counts.length - 2];
      counts.push(x);
    }
    return counts;
  }

  function decodeAll(r) {
    for (const inst of r.instances) inst.counts = decodeCounts(inst.rle.counts);
  }

  function color(i) {
    const h = (i * 137.508) % 360;
    const s = 0.75, l = 0.5;
    const f = (n) => {
      const k = (n + h / 30) % 12;
      return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
    };
    return [f(0), f(8), f(4)];
  }

  /** Calls fn(pixelIndex) for each pixel of a mask (row-major index), from column-major RLE counts. */
  function eachPixel(counts, h, w, fn) {
    let k = 0;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if (i % 2 === 1) {
        for (let j = k; j < k + n; j++) fn((j % h) * w + Math.floor(j / h));
      }
      k += n;
    }
  }

  function redraw() {
    if (!state.image) return;
    ctx.drawImage(state.image, 0, 0);
    const r = state.result;
    const w = canvas.width, h = canvas.height;
    if (r && r.image.width === w && r.image.height === h) {
      const data = ctx.getImageData(0, 0, w, h);
      const px = data.data;
      r.instances.forEach((inst, i) => {
        if (state.hidden.has(i)) return;
        const c = color(i);
        eachPixel(inst.counts, h, w, (q) => {
          const o = q * 4;
          px[o] = (px[o] + c[0]) >> 1;
          px[o + 1] = (px[o + 1] + c[1]) >> 1;
          px[o + 2] = (px[o + 2] + c[2]) >> 1;
        });
      });
      ctx.putImageData(data, 0, 0);
      ctx.lineWidth = Math.max(2, w / 600);
      r.instances.forEach((inst, i) => {
        if (state.hidden.has(i)) return;
        const c = color(i);
        ctx.strokeStyle = 'rgb(' + c.join(',') + ')';
        const b = inst.box;
        ctx.strokeRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
      });
    }
    drawPrompts();
  }

  function drawPrompts() {
    const s = Math.max(4, canvas.width / 200);
    ctx.lineWidth = Math.max(2, canvas.width / 500);
    for (const p of state.points) {
      ctx.beginPath();
      ctx.arc(p[0], p[1], s, 0, 2 * Math.PI);
      ctx.fillStyle = p[2] ? '#00e676' : '#ff1744';
      ctx.fill();
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
    const boxes = state.exemplars.map((b) => [b, b[4] ? '#00e676' : '#ff1744']);
    if (state.box) boxes.push([state.box, '#2979ff']);
    if (drag && drag.end) {
      const a = drag.start, e = drag.end;
      boxes.push([[Math.min(a[0], e[0]), Math.min(a[1], e[1]), Math.max(a[0], e[0]), Math.max(a[1], e[1])], '#ffea00']);
    }
    ctx.setLineDash([s * 2, s]);
    for (const [b, c] of boxes) {
      ctx.strokeStyle = c;
      ctx.strokeRect(b[0], b[1], b[2] - b[0], b[3] - b[1]);
    }
    ctx.setLineDash([]);
  }

  // ------------------------------------------------------------------------------------------ list

  function renderList() {
    const list = $('instances');
    list.textContent = '';
    const r = state.result;
    $('download-json').disabled = !r || !r.instances.length;
    if (!r) return;
    r.instances.forEach((inst, i) => {
      const li = document.createElement('li');
      const cb = document.createElement('input');
      cb.type = 'checkbox';
      cb.className = 'toggle';
      cb.checked = !state.hidden.has(i);
      cb.title = 'Show this instance';
      cb.addEventListener('change', () => {
        if (cb.checked) state.hidden.delete(i); else state.hidden.add(i);
        redraw();
      });
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = 'rgb(' + color(i).join(',') + ')';
      const label = document.createElement('span');
      label.textContent = '#' + i + '  score ' + inst.score.toFixed(3) + '  area ' + inst.area;
      const a = document.createElement('a');
      a.href = '#';
      a.className = 'png';
      a.textContent = 'PNG';
      a.addEventListener('click', (e) => { e.preventDefault(); downloadMask(i); });
      li.append(cb, sw, label, a);
      list.append(li);
    });
  }

  function save(blob, name) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  function downloadMask(i) {
    const r = state.result;
    const w = r.image.width, h = r.image.height;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d');
    const data = g.createImageData(w, h);
    for (let o = 3; o < data.data.length; o += 4) data.data[o] = 255;
    eachPixel(r.instances[i].counts, h, w, (q) => {
      data.data[q * 4] = data.data[q * 4 + 1] = data.data[q * 4 + 2] = 255;
    });
    g.putImageData(data, 0, 0);
    c.toBlob((b) => save(b, 'mask_' + i + '.png'), 'image/png');
  }

  $('download-json').addEventListener('click', () => {
    const r = state.result;
    // the COCO results format: one record per shown instance, the mask as compressed RLE
    const out = r.instances.filter((_, i) => !state.hidden.has(i)).map((inst) => ({
      image_id: r.image.id,
      category_id: 1,
      segmentation: inst.rle,
      bbox: [inst.box[0], inst.box[1], inst.box[2] - inst.box[0], inst.box[3] - inst.box[1]],
      area: inst.area,
      score: inst.score,
    }));
    save(new Blob([JSON.stringify(out, null, 1)], { type: 'application/json' }), 'masks_coco_rle.json');
  });
})();
