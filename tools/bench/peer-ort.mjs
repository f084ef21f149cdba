#!/usr/bin/env node
// SPDX-License-Identifier: GPL-3.0-or-later
//
// ONNX Runtime peer for Celshade's benchmarks: runs an image-to-image ONNX model
// on the CPU and prints one line of JSON with its speed.
//
//   node peer-ort.mjs MODEL.onnx --width W --height H [--runs N] [--threads T]
//                     [--input-raw IN.f32] [--output-raw OUT.f32]
//
// The input is [1, 3, H, W] float; unless --input-raw gives one (H*W*3 float32,
// HWC interleaved RGB, as the reference scripts write them) it is a smooth
// deterministic pattern in 0..255, the same one peer-torch.py uses. One warm-up
// run, then N timed runs. --output-raw writes the last output as float32 HWC.
// Needs Node 18 or newer and `npm install --ignore-scripts` in this folder.

import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

function usage(message) {
  if (message)
    process.stderr.write(`peer-ort: ${message}\n`);
  process.stderr.write('usage: node peer-ort.mjs MODEL.onnx --width W --height H [--runs N] ' +
                       '[--threads T] [--input-raw IN.f32] [--output-raw OUT.f32]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { runs: 3, threads: 2 };
  const numeric = new Set(['width', 'height', 'runs', 'threads']);
  const known = new Set([...numeric, 'input-raw', 'output-raw']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help')
      usage();
    if (arg.startsWith('--')) {
      let key = arg.slice(2);
      let value;
      const eq = key.indexOf('=');
      if (eq >= 0) {
        value = key.slice(eq + 1);
        key = key.slice(0, eq);
      } else {
        value = argv[++i];
      }
      if (!known.has(key))
        usage(`unknown option --${key}`);
      if (value === undefined)
        usage(`--${key} needs a value`);
      if (numeric.has(key)) {
        const n = Number(value);
        if (!Number.isInteger(n) || n <= 0)
          usage(`--${key} must be a positive integer, not '${value}'`);
        opts[key] = n;
      } else {
        opts[key] = value;
      }
    } else if (opts.model === undefined) {
      opts.model = arg;
    } else {
      usage(`unexpected argument '${arg}'`);
    }
  }
  if (!opts.model || !opts.width || !opts.height)
    usage('MODEL.onnx, --width and --height are needed');
  return opts;
}

// Smooth, deterministic and different in each channel, so that instance
// normalisation sees real variance and no run is helped by zeros.
function patternInput(width, height) {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[c * plane + y * width + x] = 127.5 + 127.5 *
          Math.sin(2 * Math.PI * ((c + 1) * x / width + (3 - c) * y / (2 * height)) + c);
  return data;
}

function rawInput(path, width, height) {
  const bytes = readFileSync(path);
  const plane = width * height;
  if (bytes.length !== plane * 3 * 4)
    throw new Error(`${path}: ${bytes.length} bytes, ${width}x${height} RGB float32 needs ${plane * 12}`);
  const hwc = new Float32Array(bytes.buffer, bytes.byteOffset, plane * 3);
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++)
      data[c * plane + i] = hwc[3 * i + c];
  return data;
}

function writeRawOutput(path, tensor) {
  const [n, channels, height, width] = tensor.dims;
  if (tensor.dims.length !== 4 || n !== 1)
    throw new Error(`output has shape [${tensor.dims}], not [1, C, H, W]`);
  const plane = width * height;
  const src = tensor.data;
  const hwc = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < channels; c++)
      hwc[channels * i + c] = src[c * plane + i];
  writeFileSync(path + '.part', new Uint8Array(hwc.buffer));
  renameSync(path + '.part', path);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });

  const data = opts['input-raw'] ? rawInput(opts['input-raw'], opts.width, opts.height)
                                 : patternInput(opts.width, opts.height);
  const feeds = {
    [session.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, opts.height, opts.width]),
  };
  const outputName = session.outputNames[0];

  let result = await session.run(feeds);   // warm-up: allocations, kernel selection
  const runs = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = performance.now();
    result = await session.run(feeds);
    runs.push(performance.now() - t0);
  }
  const output = result[outputName];
  if (opts['output-raw'])
    writeRawOutput(opts['output-raw'], output);

  const ms = median(runs);
  process.stdout.write(JSON.stringify({
    peer: 'onnxruntime',
    version: ort.env.versions.node ?? ort.env.versions.common,
    device: 'cpu',
    model: basename(opts.model),
    width: opts.width,
    height: opts.height,
    output_shape: output.dims,
    threads: opts.threads,
    fps_median: Number((1000 / ms).toFixed(3)),
    ms_median: Number(ms.toFixed(3)),
    runs: runs.map((t) => Number(t.toFixed(3))),
  }) + '\n');
  await session.release?.();
}

main().catch((err) => {
  process.stderr.write(`peer-ort: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
