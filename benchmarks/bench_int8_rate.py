"""What int8 can buy on this CPU: ONNX Runtime's fp32 vs int8 multiply-accumulate rates.

The int8 export goal (``bench_export.py``) assumes int8 kernels several times faster than
fp32 ones, as on CPUs with VNNI (AVX-512 VNNI or AVX-VNNI). This script measures, side by
side in one run, the rates ONNX Runtime reaches on the layers that dominate DistilHuBERT:

- the second convolution of its feature encoder (512 -> 512 channels, kernel 3, stride 2,
  1600 frames per second of audio: 10 GMAC per 8 s clip, the largest single layer);
- a transformer feed-forward matmul (50 frames per second of audio, 768 x 3072).

Each layer runs as its own one-node ONNX graph: fp32, then int8 static QDQ (per-channel
weights, activations calibrated on the same random input), medians of repeats on the given
threads. It prints the time and multiply-accumulate rate of each, and int8's speed-up.

Usage: python benchmarks/bench_int8_rate.py [--threads 2] [--repeats 15]
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import median_seconds, write_record

_FRAMES, _WIDTH, _FFN = 50, 768, 3072  # transformer frames per second, widths


def _one_node_graph(op, name, x_shape, weight_shape, seed, **attributes):
    """A graph ``y = op(x, weight)`` with random weights, and a random input for it."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    weight = numpy_helper.from_array(
        (rng.standard_normal(weight_shape) * 0.03).astype(np.float32), "weight")
    node = helper.make_node(op, ["x", "weight"], ["y"], **attributes)
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [weight])
    return graph, rng.standard_normal(x_shape).astype(np.float32)


def _conv_graph():
    # The 512 -> 512 convolution on one 8 s clip: 25,601 input frames, 12,800 output.
    graph, x = _one_node_graph("Conv", "conv", [1, 512, 25601], (512, 512, 3), seed=0,
                               strides=[2], kernel_shape=[3])
    return graph, x, 512 * 512 * 3 * 12800


def _matmul_graph():
    rows = 8 * _FRAMES  # one 8 s clip
    graph, x = _one_node_graph("MatMul", "matmul", [rows, _WIDTH], (_WIDTH, _FFN), seed=1)
    return graph, x, rows * _WIDTH * _FFN


class _Reader:
    def __init__(self, x):
        self._batches = iter([{"x": x}])

    def get_next(self):
        return next(self._batches, None)


def _models(graph, x, folder):
    import logging

    import onnx
    from onnx import helper
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    # One-node graphs have nothing for the quantiser's pre-processing to fold or infer.
    logging.getLogger().setLevel(logging.ERROR)

    fp32 = Path(folder) / f"{graph.name}.onnx"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, fp32)
    int8 = Path(folder) / f"{graph.name}-int8.onnx"
    quantize_static(str(fp32), str(int8), _Reader(x), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8)
    return {"fp32": fp32, "int8": int8}


def _time(path, x, threads, repeats):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return median_seconds(lambda: session.run(None, {"x": x}), repeats)


def kernel_times(threads, repeats):
    """``[(layer, multiply-accumulates, {"fp32": s, "int8": s})]`` of the two layers."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, (graph, x, macs) in [("conv 512x512 k3 s2 (8 s of audio)", _conv_graph()),
                                       ("matmul 400x768x3072 (8 s of audio)", _matmul_graph())]:
            paths = _models(graph, x, folder)
            times = {kind: _time(path, x, threads, repeats) for kind, path in paths.items()}
            rows.append((name, macs, times))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args(argv)
    import onnxruntime as ort

    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    vnni = sorted({f for f in flags.split() if "vnni" in f})
    model = next((line.split(":", 1)[1].strip() for line in flags.splitlines()
                  if line.startswith("model name")), "unknown")
    print(f"CPU: {model}; VNNI flags: {', '.join(vnni) or 'none'}; "
          f"onnxruntime {ort.__version__}; {args.threads} thread(s)")
    rows = kernel_times(args.threads, args.repeats)
    print(f"{'layer':38s} {'fp32 ms':>8s} {'int8 ms':>8s} {'fp32 GMAC/s':>12s} "
          f"{'int8 GMAC/s':>12s} {'int8/fp32':>10s}")
    for name, macs, times in rows:
        print(f"{name:38s} {1e3 * times['fp32']:8.2f} {1e3 * times['int8']:8.2f} "
              f"{macs / times['fp32'] / 1e9:12.1f} {macs / times['int8'] / 1e9:12.1f} "
              f"{times['int8'] / times['fp32']:10.2f}")
    speedups = ", ".join(f"{name.split(' (')[0]} {times['fp32'] / times['int8']:.1f}x"
                         for name, _, times in rows)
    print(f"int8 speed-up over fp32 on this CPU: {speedups}")
    write_record(__file__, {
        "onnxruntime": ort.__version__,
        "VNNI flags": ", ".join(vnni) or "none",
        "layers": [{"layer": name, "fp32 ms": round(1e3 * times["fp32"], 2),
                    "int8 ms": round(1e3 * times["int8"], 2),
                    "fp32 GMAC/s": round(macs / times["fp32"] / 1e9, 1),
                    "int8 GMAC/s": round(macs / times["int8"] / 1e9, 1),
                    "int8 speed-up": round(times["fp32"] / times["int8"], 2)}
                   for name, macs, times in rows],
    }, threads=args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
