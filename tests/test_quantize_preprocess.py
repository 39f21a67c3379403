"""int8 quantization: onnxruntime's pre-processing, QDQ and QOperator formats."""

import logging

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skser.classification import FocalLossClassifier
from skser.datasets import make_emotional_speech
from skser.embedding import DistilHuBERTEmbedder
from skser.preprocessing import PeakNormalizer

pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

WARNING = "pre-processing"


@pytest.fixture(scope="module")
def fitted(tiny_hubert):
    from skser.export import to_onnx

    X, y, _ = make_emotional_speech(n_speakers=3, n_clips_per_class=3, random_state=1)
    pipe = make_pipeline(PeakNormalizer(), DistilHuBERTEmbedder(model=tiny_hubert),
                         FocalLossClassifier(max_iter=15, random_state=0)).fit(X, y)
    return to_onnx(pipe), X


def _quantize(model, X, caplog, **options):
    from skser.export import quantize_onnx

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        quantized, _ = quantize_onnx(model, "int8-static", calibration=X[:8], **options)
    return quantized, any(WARNING in record.getMessage() for record in caplog.records)


def test_preprocessing_is_run_and_silences_the_warning(fitted, caplog):
    from skser.export import OnnxPipeline

    model, X = fitted
    plain, warned_plain = _quantize(model, X, caplog, preprocess=False)
    processed, warned = _quantize(model, X, caplog)
    assert warned_plain and not warned
    assert len(processed.graph.node) < len(plain.graph.node)  # shape arithmetic folded
    assert {p.key for p in processed.metadata_props} >= {"onnx.quant.pre_process"}
    ops = {node.op_type for node in processed.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    expected = OnnxPipeline(plain).predict_proba(X)
    np.testing.assert_allclose(OnnxPipeline(processed).predict_proba(X), expected, atol=0.05)


def test_qoperator_writes_integer_operators(fitted, caplog):
    from skser.export import OnnxPipeline

    model, X = fitted
    qdq, _ = _quantize(model, X, caplog)
    qoperator, _ = _quantize(model, X, caplog, quant_format="qoperator")
    ops = {node.op_type for node in qoperator.graph.node}
    assert {"QLinearConv", "QLinearMatMul"} <= ops
    agreement = (OnnxPipeline(qoperator).predict(X) == OnnxPipeline(qdq).predict(X)).mean()
    assert agreement >= 0.9
    with pytest.raises(ValueError, match="quant_format"):
        _quantize(model, X, caplog, quant_format="int4")
